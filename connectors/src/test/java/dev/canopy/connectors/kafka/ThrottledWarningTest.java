package dev.canopy.connectors.kafka;

import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ThrottledWarningTest {

    private static final long INTERVAL_MS = 30_000;

    private final AtomicLong clock = new AtomicLong();
    private final ThrottledWarning warning =
            new ThrottledWarning(LoggerFactory.getLogger(ThrottledWarningTest.class), INTERVAL_MS, clock::get);

    @Test
    void theFirstWarningIsLoggedEvenAtTimeZero() {
        assertTrue(warning.warn("first {}", 1));
    }

    @Test
    void warningsWithinTheIntervalAreSuppressedAndTheNextOneAfterItIsLogged() {
        clock.set(1_000);
        assertTrue(warning.warn("buffer full {}", 1));
        clock.set(1_000 + INTERVAL_MS - 1);
        assertFalse(warning.warn("buffer full {}", 2));
        assertFalse(warning.warn("another message {}", 3), "the interval is shared by all messages");
        clock.set(1_000 + INTERVAL_MS);
        assertTrue(warning.warn("buffer full {}", 4));
        clock.set(1_000 + INTERVAL_MS + 1);
        assertFalse(warning.warn("buffer full {}", 5), "the interval restarts at the last logged warning");
    }
}
