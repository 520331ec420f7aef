package dev.canopy.app.bench;

import dev.canopy.app.Canopy;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A bad {@code --workload} is named with its fix, exit code 2, no stack trace, before anything starts. */
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
}
