package dev.canopy.monitor;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * How often a failed stream thread may be replaced, and whether the monitor is ready meanwhile. A failure
 * that passes (a broker restart, a fenced producer) is survived by replacing the thread; one that comes
 * back every time (a missing input topic, corrupt local state, a record the broker refuses) would
 * otherwise replace threads forever in a live process that reads nothing. More than {@link #LIMIT}
 * failures within {@link #WINDOW} shut the client down instead (state ERROR), which ends the process.
 * <p>
 * Kafka Streams is RUNNING again after each replacement, so its state cannot tell such a loop. The
 * monitor is therefore not ready from a thread failure until a stream thread commits (processing
 * resumed), or until {@link #QUIET} passes with no further failure (an idle monitor may have nothing to
 * commit).
 */
final class ThreadFailures {

    static final int LIMIT = 5;
    static final Duration WINDOW = Duration.ofMinutes(10);
    /** The gap below which failures add up to {@link #LIMIT} within {@link #WINDOW}: a loop that fast stays not ready. */
    static final Duration QUIET = WINDOW.dividedBy(LIMIT);

    private final LongSupplier nanoTime;
    private final LongSupplier commits;
    private final ArrayDeque<Long> recent = new ArrayDeque<>();
    private String lastCause;
    private long commitsAtLast;
    private boolean resumed = true;

    /**
     * @param commits commits by the stream threads so far (never decreasing); read at each failure and
     *                while a recent one waits for progress
     */
    ThreadFailures(LongSupplier nanoTime, LongSupplier commits) {
        this.nanoTime = nanoTime;
        this.commits = commits;
    }

    /** Records a failure; true while the thread may still be replaced. */
    synchronized boolean replace(Throwable cause) {
        long now = nanoTime.getAsLong();
        forgetBefore(now);
        recent.addLast(now);
        lastCause = describe(cause);
        commitsAtLast = commits.getAsLong();
        resumed = false;
        return recent.size() <= LIMIT;
    }

    /** Why the monitor is not ready, in one line; empty once processing resumed after the last failure. */
    synchronized Optional<String> stalled() {
        if (resumed) {
            return Optional.empty();
        }
        long now = nanoTime.getAsLong();
        long sinceLast = now - recent.peekLast();
        if (sinceLast > QUIET.toNanos() || commits.getAsLong() > commitsAtLast) {
            resumed = true;
            return Optional.empty();
        }
        forgetBefore(now);
        int n = recent.size();
        return Optional.of("stream thread failed " + (n == 1 ? "once" : n + " times") + " in the last " + WINDOW.toMinutes()
                + " minutes, last " + Duration.ofNanos(sinceLast).toSeconds() + " s ago: " + lastCause
                + "; not ready until processing resumes");
    }

    private void forgetBefore(long now) {
        while (!recent.isEmpty() && now - recent.peekFirst() > WINDOW.toNanos()) {
            recent.removeFirst();
        }
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
