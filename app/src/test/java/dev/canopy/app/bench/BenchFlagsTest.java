package dev.canopy.app.bench;

import dev.canopy.app.Canopy;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A bad flag is named with its fix on one line, exit code 2, no stack trace, before anything starts. */
class BenchFlagsTest {

    private static String[] run(String... args) {
        PrintStream oldErr = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Canopy.execute(args);
            return new String[] {Integer.toString(code), err.toString(StandardCharsets.UTF_8)};
        } finally {
            System.setErr(oldErr);
        }
    }

    @Test
    void shouldRejectAnUnknownWorkload() {
        String[] r = run("bench", "--workload", "prod");
        assertEquals("2", r[0], r[1]);
        assertTrue(r[1].contains("--workload must be standard or production, got 'prod'"), r[1]);
        assertFalse(r[1].contains("\tat "), r[1]);
    }

    @Test
    void shouldRejectStagesTheProductionWorkloadDoesNotRun() {
        String[] r = run("bench", "--workload", "production", "--stages", "streaming,latency");
        assertEquals("2", r[0], r[1]);
        assertTrue(r[1].contains("drop --stages or use --stages streaming"), r[1]);
        assertFalse(r[1].contains("\tat "), r[1]);
    }

    /** The run fails with exit code 2 and one line of error that contains {@code message}. */
    private static void assertRejected(String message, String... args) {
        String[] r = run(args);
        assertEquals("2", r[0], r[1]);
        assertTrue(r[1].contains(message), r[1]);
        assertFalse(r[1].contains("\tat "), r[1]);
        assertEquals(1, r[1].lines().filter(l -> l.contains(message)).count(), r[1]);
        assertTrue(r[1].lines().findFirst().orElse("").contains(message), "the error comes first: " + r[1]);
    }

    @Test
    void shouldRejectAHistoryTooShortForItsTwoWindows() {
        assertRejected("--history must be at least 20000 rollouts, got 5000", "bench", "--workload", "production", "--history", "5000");
    }

    @Test
    void shouldRejectAHistoryThatIsNotANumber() {
        assertRejected("'--history'", "bench", "--workload", "production", "--history", "1M");
    }

    @Test
    void shouldRejectWindowsTooSmallToMeasure() {
        assertRejected("--window-events must be at least 10000, got 999", "bench", "--workload", "production", "--window-events", "999");
    }

    @Test
    void shouldRejectAMonitorHeapTheJvmWouldNotTake() {
        assertRejected("--monitor-heap must be a JVM heap size such as 640m or 2g, got 'lots'", "bench", "--workload", "production",
                "--monitor-heap", "lots");
    }

    @Test
    void shouldRejectARecordSizeOutOfRange() {
        assertRejected("--max-record-mb must be between 0 and 1024, got -1", "bench", "--max-record-mb", "-1");
        assertRejected("--max-record-mb must be between 0 and 1024, got 2048", "bench", "--workload", "production", "--max-record-mb", "2048");
    }

    @Test
    void shouldRunTheHistoryStageOnTheProductionWorkloadOnly() {
        assertRejected("the history stage runs with --workload production only", "bench", "--stages", "history");
    }
}
