package dev.canopy.monitor;

import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.streams.errors.StreamsException;
import org.junit.jupiter.api.Test;

import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ThreadFailuresTest {

    private static final RuntimeException TOO_LARGE = new StreamsException("Error encountered sending record to topic rollouts",
            new RecordTooLargeException("The request included a message larger than the max message size the server will accept."));

    private final AtomicLong now = new AtomicLong();
    private final AtomicLong commits = new AtomicLong();
    private final ThreadFailures failures = new ThreadFailures(now::get, commits::get);

    private void advanceSeconds(long seconds) {
        now.addAndGet(TimeUnit.SECONDS.toNanos(seconds));
    }

    @Test
    void shouldStopReplacingAfterTooManyFailuresInTheWindow() {
        for (int i = 0; i < ThreadFailures.LIMIT; i++) {
            assertTrue(failures.replace(TOO_LARGE), "failure " + (i + 1) + " is replaced");
            advanceSeconds(1);
        }
        assertFalse(failures.replace(TOO_LARGE), "one more within the window shuts the client down");
    }

    @Test
    void shouldForgetFailuresOlderThanTheWindow() {
        for (int i = 0; i < 3 * ThreadFailures.LIMIT; i++) {
            assertTrue(failures.replace(TOO_LARGE), "failure " + (i + 1) + ", each a window apart");
            now.addAndGet(ThreadFailures.WINDOW.toNanos() / (ThreadFailures.LIMIT - 1) + 1);
        }
    }

    @Test
    void shouldBeReadyBeforeAnyFailure() {
        assertEquals(Optional.empty(), failures.stalled());
    }

    @Test
    void shouldNotBeReadyWhileFailuresRecurWithoutACommitAndSaySoOnOneLine() {
        commits.set(40);
        failures.replace(TOO_LARGE);
        advanceSeconds(30);
        failures.replace(TOO_LARGE);
        advanceSeconds(12);
        String reason = failures.stalled().orElseThrow();
        assertEquals("stream thread failed 2 times in the last 10 minutes, last 12 s ago: RecordTooLargeException (The request included"
                + " a message larger than the max message size the server will accept.); not ready until processing resumes", reason);
        advanceSeconds(ThreadFailures.QUIET.toSeconds() - 13);
        assertTrue(failures.stalled().isPresent(), "still within the quiet period and nothing committed");
    }

    @Test
    void shouldBeReadyOnceAStreamThreadCommitsAfterTheFailure() {
        commits.set(40);
        failures.replace(TOO_LARGE);
        advanceSeconds(5);
        assertTrue(failures.stalled().orElseThrow().startsWith("stream thread failed once in the last 10 minutes, last 5 s ago"));
        commits.incrementAndGet();
        assertEquals(Optional.empty(), failures.stalled());
        advanceSeconds(1);
        assertEquals(Optional.empty(), failures.stalled(), "stays ready until the next failure");

        failures.replace(TOO_LARGE);
        assertTrue(failures.stalled().orElseThrow().startsWith("stream thread failed 2 times"), "commits before a failure do not count");
    }

    @Test
    void shouldBeReadyWhenTheQuietPeriodPassesWithoutAnotherFailure() {
        failures.replace(TOO_LARGE);
        advanceSeconds(ThreadFailures.QUIET.toSeconds());
        assertTrue(failures.stalled().isPresent());
        advanceSeconds(1);
        assertEquals(Optional.empty(), failures.stalled(), "an idle monitor has nothing to commit");
    }

    @Test
    void shouldCountOnlyTheFailuresOfTheLastWindowInTheReason() {
        failures.replace(TOO_LARGE);
        advanceSeconds(ThreadFailures.WINDOW.toSeconds() - 60);
        failures.replace(TOO_LARGE);
        advanceSeconds(61);
        assertTrue(failures.stalled().orElseThrow().startsWith("stream thread failed once in the last 10 minutes, last 61 s ago"));
    }

    @Test
    void shouldDescribeTheInnermostCauseOnOneLine() {
        Exception e = new RuntimeException("outer", new IllegalStateException("inner\nsecond line"));
        assertEquals("IllegalStateException (inner)", ThreadFailures.describe(e));
        assertEquals("RuntimeException", ThreadFailures.describe(new RuntimeException((String) null)));
    }
}
