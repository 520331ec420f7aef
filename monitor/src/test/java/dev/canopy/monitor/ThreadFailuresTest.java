package dev.canopy.monitor;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ThreadFailuresTest {

    @Test
    void shouldStopReplacingAfterTooManyFailuresInTheWindow() {
        AtomicLong now = new AtomicLong();
        ThreadFailures f = new ThreadFailures(now::get);
        for (int i = 0; i < ThreadFailures.LIMIT; i++) {
            assertTrue(f.replace(), "failure " + (i + 1) + " is replaced");
            now.addAndGet(1_000_000_000L);
        }
        assertFalse(f.replace(), "one more within the window shuts the client down");
    }

    @Test
    void shouldForgetFailuresOlderThanTheWindow() {
        AtomicLong now = new AtomicLong();
        ThreadFailures f = new ThreadFailures(now::get);
        for (int i = 0; i < 3 * ThreadFailures.LIMIT; i++) {
            assertTrue(f.replace(), "failure " + (i + 1) + ", each a window apart");
            now.addAndGet(ThreadFailures.WINDOW.toNanos() / (ThreadFailures.LIMIT - 1) + 1);
        }
    }

    @Test
    void shouldDescribeTheInnermostCauseOnOneLine() {
        Exception e = new RuntimeException("outer", new IllegalStateException("inner\nsecond line"));
        assertEquals("IllegalStateException (inner)", ThreadFailures.describe(e));
        assertEquals("RuntimeException", ThreadFailures.describe(new RuntimeException((String) null)));
    }
}
