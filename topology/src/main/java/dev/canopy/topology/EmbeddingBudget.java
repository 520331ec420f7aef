package dev.canopy.topology;

import java.util.function.LongSupplier;

/**
 * A token bucket of embeddings per second, shared by the semantic tasks of one instance, so that
 * semantic diversity can never take more than a bounded share of the stream threads from the
 * paper's core metrics. Holds at most one second of tokens (burst = rate). Thread-safe.
 */
final class EmbeddingBudget {

    private final double ratePerSecond;
    private final LongSupplier nanoClock;
    private double tokens;
    private long last;

    EmbeddingBudget(double ratePerSecond, LongSupplier nanoClock) {
        this.ratePerSecond = ratePerSecond;
        this.nanoClock = nanoClock;
        this.tokens = Math.max(1, ratePerSecond);
        this.last = nanoClock.getAsLong();
    }

    /** Takes one embedding from the budget; false when it is spent. */
    synchronized boolean tryAcquire() {
        long now = nanoClock.getAsLong();
        tokens = Math.min(Math.max(1, ratePerSecond), tokens + (now - last) / 1e9 * ratePerSecond);
        last = now;
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }
}
