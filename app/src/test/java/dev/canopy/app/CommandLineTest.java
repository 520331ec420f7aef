package dev.canopy.app;

import dev.canopy.monitor.metrics.MetricCatalogue;
import dev.canopy.core.config.CanopyConfig;
import dev.canopy.core.config.ConfigKey;
import dev.canopy.core.events.RejectReason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CommandLineTest {

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Canopy.execute(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void shouldReplayAFileToTheReportSchema(@TempDir Path dir) throws IOException {
        Path events = dir.resolve("e.jsonl");
        Files.writeString(events, String.join("\n",
                "{\"model\":\"m\",\"release\":\"r\",\"rollout_id\":\"a\",\"position\":0,\"entropy\":1.5}",
                "{\"model\":\"m\",\"release\":\"r\",\"rollout_id\":\"a\",\"position\":1,\"logprob\":-0.5,\"final\":true,\"finish_reason\":\"stop\"}",
                "not json", ""));
        Path out = dir.resolve("report.json");
        Run r = run("replay", "--out", out.toString(), events.toString());
        assertEquals(0, r.code(), r.err());
        String report = Files.readString(out);
        assertTrue(report.contains("\"rejected\" : 1"), report);
        assertTrue(report.contains("\"not_json\" : 1"), report);
        assertTrue(report.contains("\"ce_star\" : 2.0"), report);
        assertTrue(report.contains("\"mean_entropy_rate\" : 1.0"), report);
    }

    @Test
    void shouldApplyTheInputLimitFlagsOfReplay(@TempDir Path dir) throws IOException {
        Path events = dir.resolve("e.jsonl");
        Files.writeString(events, String.join("\n",
                "{\"model\":\"model-with-a-long-name\",\"release\":\"r\",\"rollout_id\":\"a\",\"position\":0,\"entropy\":1.5,\"final\":true}",
                "{\"model\":\"m\",\"release\":\"r\",\"rollout_id\":\"b\",\"position\":0,\"entropy\":1.5}",
                "{\"model\":\"m\",\"release\":\"r\",\"rollout_id\":\"b\",\"position\":100,\"entropy\":1.5,\"final\":true}", ""));
        Path out = dir.resolve("report.json");
        Run r = run("replay", "--max-name-bytes", "16", "--max-position", "99", "--out", out.toString(), events.toString());
        assertEquals(0, r.code(), r.err());
        String report = Files.readString(out);
        assertTrue(report.contains("\"name_too_long\" : 1"), report);
        assertTrue(report.contains("\"position_out_of_range\" : 1"), report);
        Run bad = run("replay", "--max-name-bytes", "0", events.toString());
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("--max-name-bytes must be at least 1"), bad.err());
        assertFalse(bad.err().contains("Exception"), bad.err());
    }

    @Test
    void shouldNameAMissingInputFileWithoutAStackTrace() {
        Run r = run("replay", "/no/such/file.jsonl");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("input file not found: /no/such/file.jsonl"), r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace for a user mistake");
    }

    @Test
    void shouldExplainAnUnknownFlag() {
        Run r = run("replay", "--outt", "x", "y");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--outt"), r.err());
    }

    @Test
    void shouldNameTheKeyOfABadRunSetting() {
        Run r = run("run", "--bootstrap-servers", "127.0.0.1:1", "--http-port", "70000");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("canopy.http.port"), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
    }

    @Test
    void shouldOfferHelpForEveryCommand() {
        for (String cmd : new String[] {"demo", "replay", "run", "broker", "fleet", "simulate", "compare", "release", "validate-detector", "proxy", "probe", "bench"}) {
            Run r = run(cmd, "--help");
            assertEquals(0, r.code(), cmd);
            assertTrue(r.out().contains("Usage: canopy " + cmd), r.out());
        }
    }

    @Test
    void docsDocumentEveryKeyMetricReasonAndCommand() throws IOException {
        String readme = Files.readString(Path.of("../README.md"));
        String configuration = Files.readString(Path.of("../docs/configuration.md"));
        for (ConfigKey<?> key : CanopyConfig.KEYS) {
            assertTrue(configuration.contains("`" + key.name() + "`"), "docs/configuration.md lacks configuration key " + key);
        }
        for (MetricCatalogue m : MetricCatalogue.values()) {
            assertTrue(readme.contains("`" + m.metricName() + "`"), "README lacks metric " + m.metricName());
        }
        for (RejectReason r : RejectReason.values()) {
            assertTrue(readme.contains("`" + r.code() + "`"), "README lacks reject reason " + r.code());
        }
        for (String cmd : new String[] {"demo", "replay", "run", "broker", "fleet", "simulate", "compare", "release", "validate-detector", "proxy", "probe", "bench"}) {
            assertTrue(readme.contains("./canopy " + cmd), "README lacks command " + cmd);
        }
    }
}
