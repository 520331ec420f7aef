package dev.canopy.tests.support;

import java.time.Duration;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Waiting for a condition with a deadline: the probe runs every {@value #INTERVAL_MS} ms until its value
 * satisfies the condition. A probe that throws (a 503 while stores restore, a refused connection) counts
 * as "not yet". On timeout the assertion error names what was awaited and the last value or error seen.
 */
public final class Poll {

    /** How often a probe runs. */
    public static final long INTERVAL_MS = 100;

    /** A value read from the system under test; may throw while it is not ready. */
    @FunctionalInterface
    public interface Probe<T> {
        T get() throws Exception;
    }

    private Poll() {
    }

    /** Waits until {@code probe}'s value passes {@code done}; returns that value. */
    public static <T> T until(String what, Duration timeout, Probe<T> probe, Predicate<? super T> done) {
        return until(what, timeout, probe, done, String::valueOf);
    }

    /** As {@link #until(String, Duration, Probe, Predicate)}, describing the last value with {@code describe}. */
    public static <T> T until(String what, Duration timeout, Probe<T> probe, Predicate<? super T> done,
                              Function<? super T, String> describe) {
        long deadline = System.nanoTime() + timeout.toNanos();
        T last = null;
        Exception lastError = null;
        while (true) {
            try {
                last = probe.get();
                lastError = null;
                if (last != null && done.test(last)) {
                    return last;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for " + what, e);
            } catch (Exception e) {
                lastError = e;
            }
            if (System.nanoTime() - deadline > 0) {
                String seen = lastError != null ? "last error: " + lastError : "last value: " + (last == null ? "none" : describe.apply(last));
                throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + what + "; " + seen, lastError);
            }
            try {
                Thread.sleep(INTERVAL_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for " + what, e);
            }
        }
    }

    /** Waits until the condition holds. */
    public static void until(String what, Duration timeout, Probe<Boolean> condition) {
        until(what, timeout, condition, Boolean::booleanValue);
    }
}
