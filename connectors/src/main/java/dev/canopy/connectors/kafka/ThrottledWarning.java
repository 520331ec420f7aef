package dev.canopy.connectors.kafka;

import org.slf4j.Logger;

import java.util.function.LongSupplier;

/**
 * A warning logged at most once per interval, so that a publisher meeting the same trouble for every
 * event (Kafka down, buffer full) does not flood the log; the others are dropped and the logged one
 * says for how long.
 */
final class ThrottledWarning {

    private static final long MS_PER_SECOND = 1_000;

    private final Logger log;
    private final long intervalMs;
    private final LongSupplier clockMs;
    private volatile long last;
    private volatile boolean warned;

    ThrottledWarning(Logger log, long intervalMs) {
        this(log, intervalMs, System::currentTimeMillis);
    }

    /** With the clock it reads the time from, in milliseconds. */
    ThrottledWarning(Logger log, long intervalMs, LongSupplier clockMs) {
        this.log = log;
        this.intervalMs = intervalMs;
        this.clockMs = clockMs;
    }

    /**
     * Logs {@code message} (an SLF4J pattern with one argument) unless a warning was logged less than
     * the interval ago; returns whether it did.
     */
    boolean warn(String message, Object arg) {
        long now = clockMs.getAsLong();
        if (warned && now - last < intervalMs) {
            return false;
        }
        warned = true;
        last = now;
        log.warn("canopy: " + message + " (further warnings of this publisher suppressed for "
                + intervalMs / MS_PER_SECOND + " s)", arg);
        return true;
    }
}
