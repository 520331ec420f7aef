package dev.canopy.monitor;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.function.LongSupplier;

/**
 * How often a failed stream thread may be replaced. A failure that passes (a broker restart, a fenced
 * producer) is survived by replacing the thread; one that comes back every time (a missing input topic,
 * corrupt local state) would otherwise replace threads forever in a live process that reads nothing.
 * More than {@link #LIMIT} failures within {@link #WINDOW} shut the client down instead (state ERROR),
 * which ends the process.
 */
final class ThreadFailures {

    static final int LIMIT = 5;
    static final Duration WINDOW = Duration.ofMinutes(10);

    private final LongSupplier nanoTime;
    private final ArrayDeque<Long> recent = new ArrayDeque<>();

    ThreadFailures(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
    }

    /** Records a failure; true while the thread may still be replaced. */
    synchronized boolean replace() {
        long now = nanoTime.getAsLong();
        while (!recent.isEmpty() && now - recent.peekFirst() > WINDOW.toNanos()) {
            recent.removeFirst();
        }
        recent.addLast(now);
        return recent.size() <= LIMIT;
    }

    /** The innermost cause's class and first line, for a one-line log message. */
    static String describe(Throwable t) {
        Throwable root = t;
        for (int depth = 0; root.getCause() != null && root.getCause() != root && depth < 20; depth++) {
            root = root.getCause();
        }
        String message = root.getMessage() == null ? "" : root.getMessage().lines().findFirst().orElse("");
        if (message.length() > 300) {
            message = message.substring(0, 300) + "...";
        }
        return root.getClass().getSimpleName() + (message.isEmpty() ? "" : " (" + message + ")");
    }
}
