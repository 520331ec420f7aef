package dev.canopy.app.bench;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts events seen by a stage and remembers when the first and the latest arrived, so a stage's rate
 * is measured over the span in which it was actually busy (start-up and rebalancing excluded). Thread-safe.
 */
final class Meter {

    private final AtomicLong count = new AtomicLong();
    private final AtomicLong first = new AtomicLong();
    private volatile long last;

    void record() {
        record(1);
    }

    void record(long n) {
        long now = System.nanoTime();
        if (count.getAndAdd(n) == 0) {
            first.compareAndSet(0, now);
        }
        last = now;
    }

    long count() {
        return count.get();
    }

    long firstNanos() {
        return first.get();
    }

    long lastNanos() {
        return last;
    }
}
