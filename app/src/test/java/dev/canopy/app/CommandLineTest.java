package dev.canopy.app;

import dev.canopy.monitor.metrics.MetricCatalogue;
import dev.canopy.core.config.CanopyConfig;
import dev.canopy.core.config.ConfigKey;
import dev.canopy.core.events.RejectReason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CommandLineTest {

    private static final Path DOCS = Path.of("../docs");

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

    /**
     * Each reference lives in one document: configuration keys in docs/configuration.md, Prometheus series in
     * docs/metric-series.md, reject reasons in docs/EVENTS.md, and every command of the real command line
     * (subcommands such as {@code release announce} included) in README.md or docs/commands.md.
     */
    @Test
    void shouldDocumentEveryKeyMetricRejectReasonAndCommandWhereTheReaderLooks() throws IOException {
        String configuration = Files.readString(DOCS.resolve("configuration.md"));
        for (ConfigKey<?> key : CanopyConfig.KEYS) {
            assertTrue(configuration.contains("`" + key.name() + "`"), "docs/configuration.md lacks configuration key " + key.name());
        }
        String series = Files.readString(DOCS.resolve("metric-series.md"));
        for (MetricCatalogue m : MetricCatalogue.values()) {
            assertTrue(series.contains("`" + m.metricName() + "`"), "docs/metric-series.md lacks metric " + m.metricName());
        }
        String events = Files.readString(DOCS.resolve("EVENTS.md"));
        for (RejectReason r : RejectReason.values()) {
            assertTrue(events.contains("`" + r.code() + "`"), "docs/EVENTS.md lacks reject reason " + r.code());
        }
        String commands = Files.readString(Path.of("../README.md")) + Files.readString(DOCS.resolve("commands.md"));
        List<String> names = commandNames(new CommandLine(new Canopy()), "");
        assertTrue(names.contains("release announce") && names.contains("bench"), "the command line's commands were listed: " + names);
        for (String cmd : names) {
            assertTrue(commands.contains("./canopy " + cmd), "neither README.md nor docs/commands.md shows ./canopy " + cmd);
        }
    }

    /** Every command below {@code parent} (without picocli's own help command), prefixed with its parent's names. */
    private static List<String> commandNames(CommandLine parent, String prefix) {
        List<String> names = new ArrayList<>();
        parent.getSubcommands().forEach((name, sub) -> {
            if (sub.getCommand() instanceof CommandLine.HelpCommand) {
                return;
            }
            names.add(prefix + name);
            names.addAll(commandNames(sub, prefix + name + " "));
        });
        return names;
    }
}
