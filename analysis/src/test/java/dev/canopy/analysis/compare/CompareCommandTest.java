package dev.canopy.analysis.compare;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.canopy.core.replay.ReplayEngine;
import dev.canopy.simulator.EstimatorMode;
import dev.canopy.simulator.ModelStyles;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code canopy compare} end to end on simulated event files, and against a monitor's report over HTTP. */
class CompareCommandTest {

    private static final String BASE = SimulatedEvents.MODEL + "@base-2026-11-01";
    private static final String TUNED = SimulatedEvents.MODEL + "@ft-2026-11-20";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final java.io.PrintStream QUIET = new java.io.PrintStream(OutputStream.nullOutputStream());

    @TempDir
    static Path data;
    private static Path baseVsTuned;
    private static Path traffic;

    @BeforeAll
    static void simulate() {
        // 48 prompts x 30 rollouts per release, every estimator mixed per step, as servers in the field report
        baseVsTuned = SimulatedEvents.promptSet(data.resolve("base-vs-tuned.jsonl.gz"), 11, 48, 30, EstimatorMode.MIXED, "",
                "base-2026-11-01", ModelStyles.base(5, SimulatedEvents.VOCAB), "ft-2026-11-20", ModelStyles.tuned(6, SimulatedEvents.VOCAB));
        traffic = SimulatedEvents.traffic(data.resolve("traffic.jsonl"), 12, 2400,
                "base-2026-11-01", ModelStyles.base(5, SimulatedEvents.VOCAB), "ft-2026-11-20", ModelStyles.tuned(6, SimulatedEvents.VOCAB));
    }

    private static JsonNode compareJson(Path out) throws IOException {
        return JSON.readTree(out.resolve("compare.json").toFile());
    }

    @Test
    void shouldFlagTheRhoIncreaseOfATunedReleaseAndWriteEveryOutput(@TempDir Path out) throws IOException {
        CompareRun r = CompareRun.run("compare", "--baseline", BASE, "--candidate", TUNED, "--out", out.toString(), baseVsTuned.toString());
        assertEquals(0, r.code(), r.err());

        JsonNode c = compareJson(out);
        assertEquals(List.of("baseline", "candidate", "paired", "mode", "replicates", "seed", "decision", "metrics"), fieldNames(c));
        JsonNode decision = c.get("decision");
        assertEquals("jackknife-t", decision.get("interval").asText());
        assertEquals("benjamini-hochberg", decision.get("family").asText());
        assertEquals(0.05, decision.get("false_discovery_rate").asDouble());
        int flagged = 0;
        assertEquals(BASE, c.get("baseline").asText());
        assertEquals(TUNED, c.get("candidate").asText());
        assertTrue(c.get("paired").asBoolean());
        assertEquals("prompt", c.get("mode").asText());
        assertEquals(2000, c.get("replicates").asInt());
        assertEquals(42, c.get("seed").asLong());
        Set<String> required = Set.of("ce_star", "gen_ppl", "branching_factor", "mean_length", "mean_entropy_rate",
                "length_entropy_rate.pearson", "length_entropy_rate.spearman", "length_entropy_rate.kendall",
                "length_entropy_rate.covariance");
        assertTrue(fieldNames(c.get("metrics")).containsAll(required), fieldNames(c.get("metrics")).toString());
        for (Map.Entry<String, JsonNode> e : iterable(c.get("metrics").fields())) {
            JsonNode m = e.getValue();
            assertEquals(List.of("baseline", "candidate", "delta", "ci_low", "ci_high", "percent_delta", "significant", "p_value", "q_value"),
                    fieldNames(m), e.getKey());
            for (String f : List.of("baseline", "candidate", "delta", "ci_low", "ci_high", "p_value", "q_value")) {
                assertTrue(m.get(f).isNumber(), e.getKey() + "." + f);
            }
            assertEquals(m.get("candidate").asDouble() - m.get("baseline").asDouble(), m.get("delta").asDouble(), 1e-12, e.getKey());
            assertTrue(m.get("ci_low").asDouble() <= m.get("ci_high").asDouble(), e.getKey());
            boolean excludesZero = m.get("ci_low").asDouble() > 0 || m.get("ci_high").asDouble() < 0;
            assertEquals(excludesZero, m.get("p_value").asDouble() < 0.05, e.getKey() + ": the t interval excludes 0 when p < 5%");
            assertTrue(m.get("q_value").asDouble() >= m.get("p_value").asDouble(), e.getKey());
            assertEquals(m.get("q_value").asDouble() <= 0.05, m.get("significant").asBoolean(), e.getKey());
            flagged += m.get("significant").asBoolean() ? 1 : 0;
            boolean signed = e.getKey().startsWith("length_entropy_rate.") || e.getKey().equals("decomposition.covariance");
            if (signed) {
                assertTrue(m.get("percent_delta").isNull(), e.getKey());
            } else {
                assertEquals(100 * m.get("delta").asDouble() / Math.abs(m.get("baseline").asDouble()), m.get("percent_delta").asDouble(), 1e-9, e.getKey());
            }
        }
        assertEquals(flagged, decision.get("flagged").asInt());
        assertEquals(Metric.COUNT, decision.get("tested").asInt());
        JsonNode rho = c.get("metrics").get("length_entropy_rate.pearson");
        assertTrue(rho.get("baseline").asDouble() < 0, "base-style release: rho < 0");
        assertTrue(rho.get("candidate").asDouble() > 0, "tuned-style release: rho > 0");
        assertTrue(rho.get("significant").asBoolean());
        assertTrue(rho.get("ci_low").asDouble() > 0, "the rise is flagged with its whole interval above 0");
        assertTrue(c.get("metrics").get("length_entropy_rate.spearman").get("significant").asBoolean());
        assertTrue(c.get("metrics").get("length_entropy_rate.kendall").get("significant").asBoolean());

        for (String png : List.of(ComparePlots.SCATTER, ComparePlots.DECOMPOSITION, ComparePlots.CORRELATIONS)) {
            Path file = out.resolve(png);
            byte[] bytes = Files.readAllBytes(file);
            assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}, java.util.Arrays.copyOf(bytes, 8), png);
            BufferedImage image = ImageIO.read(file.toFile());
            assertNotNull(image, png);
            assertEquals(900, image.getWidth(), png);
            assertTrue(bytes.length < 150_000, png + " is " + bytes.length + " bytes");
        }
        String report = Files.readString(out.resolve("report.md"));
        for (String png : List.of(ComparePlots.SCATTER, ComparePlots.DECOMPOSITION, ComparePlots.CORRELATIONS)) {
            assertTrue(report.contains("](" + png + ")"), "report.md shows " + png);
        }
        assertTrue(report.contains("rose by +"), report);
        assertTrue(report.contains("longer answers carry more information per token"), report);
        assertTrue(report.contains("**Estimator mix.**"), "mixed estimators get the caveat");
        assertTrue(report.contains("| 48 | 48 |"), "prompt counts");
        assertTrue(r.out().contains("length_entropy_rate.pearson"), r.out());
    }

    @Test
    void shouldNotFlagRhoInAnAaComparison(@TempDir Path out) throws IOException {
        // the same model under two release names, sampled with different seeds. The seeds were fixed in
        // advance, not searched: at a 95% level about one A/A pair in twenty flags rho by chance, and two of
        // the ten below do (pair 0, seeds 1 and 2, and pair 5). The test asks for the typical case over ten
        // pairs (at most two flags; three or more has probability 1.2% for a calibrated interval) and, on
        // pair 0, that the report reads what compare.json says.
        var model = ModelStyles.tuned(21, SimulatedEvents.VOCAB);
        int flagged = 0;
        List<String> flags = new java.util.ArrayList<>();
        for (int i = 0; i < 10; i++) {
            Path a = SimulatedEvents.promptSet(data.resolve("aa-" + i + "a.jsonl"), 2L * i + 1, 48, 30, EstimatorMode.EXACT, "a-", "ft-a", model);
            Path b = SimulatedEvents.promptSet(data.resolve("aa-" + i + "b.jsonl"), 2L * i + 2, 48, 30, EstimatorMode.EXACT, "b-", "ft-b", model);
            LoadedReleases in = EventFileInput.read(List.of(a, b), ReplayEngine.Options.defaults(),
                    new ReleaseRef(SimulatedEvents.MODEL, "ft-a"), new ReleaseRef(SimulatedEvents.MODEL, "ft-b"), QUIET);
            Bootstrap.Design design = Bootstrap.choose(in.baseline(), in.candidate());
            assertEquals(Bootstrap.Design.PAIRED_PROMPTS, design);
            Comparison c = Comparison.of(in.baseline(), in.candidate(), Bootstrap.run(in.baseline(), in.candidate(), design, 2000, 42,
                    4096, done -> { }), "aa");
            Comparison.Result rho = c.result(Metric.PEARSON);
            if (rho.significant()) {
                flagged++;
                flags.add("pair " + i + ": " + rho.delta() + " [" + rho.ciLow() + ", " + rho.ciHigh() + "]");
            }
        }
        assertTrue(flagged <= 2, "A/A pairs flagging rho: " + flags);

        CompareRun r = CompareRun.run("compare", "--baseline", SimulatedEvents.MODEL + "@ft-a", "--candidate", SimulatedEvents.MODEL + "@ft-b",
                "--out", out.toString(), data.resolve("aa-0a.jsonl").toString(), data.resolve("aa-0b.jsonl").toString());
        assertEquals(0, r.code(), r.err());
        JsonNode rho = compareJson(out).get("metrics").get("length_entropy_rate.pearson");
        String report = Files.readString(out.resolve("report.md"));
        boolean significant = rho.get("significant").asBoolean();
        boolean excludesZero = rho.get("ci_low").asDouble() > 0 || rho.get("ci_high").asDouble() < 0;
        assertTrue(!significant || excludesZero, rho.toString());
        assertEquals(!excludesZero, report.contains("an interval that includes 0: no evidence"), report);
        assertEquals(excludesZero && !significant, report.contains("weak evidence, not a flag"), report);
        assertFalse(report.contains("**Estimator mix.**"), "exact entropies: no caveat");
    }

    @Test
    void shouldReportExactlyWhatReplayReports(@TempDir Path out) throws IOException {
        Path report = out.resolve("replay.json");
        CompareRun replay = CompareRun.run("replay", "--out", report.toString(), baseVsTuned.toString());
        assertEquals(0, replay.code(), replay.err());
        CompareRun r = CompareRun.run("compare", "--baseline", BASE, "--candidate", TUNED, "--bootstrap", "200",
                "--out", out.toString(), baseVsTuned.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode metrics = compareJson(out).get("metrics");
        JsonNode groups = JSON.readTree(report.toFile()).get("groups");
        int checked = 0;
        for (JsonNode g : groups) {
            String side = (SimulatedEvents.MODEL + "@" + g.get("release").asText()).equals(BASE) ? "baseline" : "candidate";
            for (Metric m : Metric.values()) {
                JsonNode v = g;
                for (String part : m.key().split("\\.")) {
                    v = v.get(part);
                }
                assertEquals(v.asDouble(), metrics.get(m.key()).get(side).asDouble(), 1e-12 * Math.max(1, Math.abs(v.asDouble())), side + " " + m.key());
                checked++;
            }
        }
        assertEquals(2 * Metric.COUNT, checked);
    }

    @Test
    void shouldWriteTheSameFilesForTheSameSeed(@TempDir Path dir) throws IOException {
        Path one = dir.resolve("one");
        Path two = dir.resolve("two");
        Path other = dir.resolve("other");
        for (Path out : List.of(one, two)) {
            assertEquals(0, CompareRun.run("compare", "--baseline", BASE, "--candidate", TUNED, "--seed", "7", "--bootstrap", "500",
                    "--out", out.toString(), baseVsTuned.toString()).code());
        }
        assertEquals(0, CompareRun.run("compare", "--baseline", BASE, "--candidate", TUNED, "--seed", "8", "--bootstrap", "500",
                "--out", other.toString(), baseVsTuned.toString()).code());
        assertEquals(Files.readString(one.resolve("compare.json")), Files.readString(two.resolve("compare.json")));
        assertEquals(Files.readString(one.resolve("report.md")), Files.readString(two.resolve("report.md")));
        assertNotEquals(Files.readString(one.resolve("compare.json")), Files.readString(other.resolve("compare.json")));
    }

    @Test
    void shouldResampleRolloutsForTrafficWithoutPromptIds(@TempDir Path out) throws IOException {
        CompareRun r = CompareRun.run("compare", "--baseline", BASE, "--candidate", TUNED, "--out", out.toString(), traffic.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode c = compareJson(out);
        assertEquals("rollout", c.get("mode").asText());
        assertFalse(c.get("paired").asBoolean());
        JsonNode rho = c.get("metrics").get("length_entropy_rate.pearson");
        assertTrue(rho.get("significant").asBoolean() && rho.get("ci_low").asDouble() > 0, rho.toString());
        assertTrue(Files.readString(out.resolve("report.md")).contains("over rollouts"));
    }

    @Test
    void shouldGiveTheFileResultFromAMonitorsPerPromptReport(@TempDir Path dir) throws IOException {
        Path report = dir.resolve("replay.json");
        assertEquals(0, CompareRun.run("replay", "--out", report.toString(), baseVsTuned.toString()).code());
        Path trafficReport = dir.resolve("traffic.json");
        assertEquals(0, CompareRun.run("replay", "--out", trafficReport.toString(), traffic.toString()).code());
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        serve(server, "/prompts/api/v1/report", report);
        serve(server, "/traffic/api/v1/report", trafficReport);
        server.start();
        try {
            String base = "http://127.0.0.1:" + server.getAddress().getPort();
            Path fromFiles = dir.resolve("files");
            Path fromMonitor = dir.resolve("monitor");
            assertEquals(0, CompareRun.run("compare", "--baseline", BASE, "--candidate", TUNED, "--out", fromFiles.toString(),
                    baseVsTuned.toString()).code());
            CompareRun r = CompareRun.run("compare", "--baseline", BASE, "--candidate", TUNED, "--out", fromMonitor.toString(),
                    "--from", base + "/prompts");
            assertEquals(0, r.code(), r.err());
            assertEquals(Files.readString(fromFiles.resolve("compare.json")), Files.readString(fromMonitor.resolve("compare.json")),
                    "the prompt bootstrap needs only per-prompt statistics: same numbers from the report");
            assertFalse(Files.exists(fromMonitor.resolve(ComparePlots.SCATTER)));
            assertTrue(Files.exists(fromMonitor.resolve(ComparePlots.CORRELATIONS)));
            assertTrue(Files.readString(fromMonitor.resolve("report.md")).contains("**No scatter plot.**"));

            CompareRun t = CompareRun.run("compare", "--baseline", BASE, "--candidate", TUNED, "--out", dir.resolve("t").toString(),
                    "--from", base + "/traffic/");
            assertEquals(2, t.code());
            assertTrue(t.err().contains("--from") && t.err().contains("event files"), t.err());
            assertFalse(t.err().contains("\tat "), t.err());
        } finally {
            server.stop(0);
        }
    }

    @Test
    void shouldExplainUserMistakesWithoutAStackTrace(@TempDir Path out) throws IOException {
        String o = out.toString();
        String f = baseVsTuned.toString();
        Map<String, String[]> cases = Map.of(
                "--baseline must be MODEL@RELEASE", new String[] {"--baseline", "no-at-sign", "--candidate", TUNED, "--out", o, f},
                "--candidate sim-chat-8b@nope: no such model@release in the input; found: " + BASE + ", " + TUNED,
                new String[] {"--baseline", BASE, "--candidate", SimulatedEvents.MODEL + "@nope", "--out", o, f},
                "give either event files or --from URL, not both", new String[] {"--baseline", BASE, "--candidate", TUNED, "--from", "http://127.0.0.1:1", f},
                "nothing to compare", new String[] {"--baseline", BASE, "--candidate", TUNED},
                "--bootstrap must be between 100", new String[] {"--baseline", BASE, "--candidate", TUNED, "--bootstrap", "10", f},
                "--baseline and --candidate are both", new String[] {"--baseline", BASE, "--candidate", BASE, f},
                "input file not found: /no/such.jsonl", new String[] {"--baseline", BASE, "--candidate", TUNED, "--out", o, "/no/such.jsonl"},
                "--from http://127.0.0.1:1: cannot read", new String[] {"--baseline", BASE, "--candidate", TUNED, "--from", "http://127.0.0.1:1"},
                "--from must be the monitor's base URL", new String[] {"--baseline", BASE, "--candidate", TUNED, "--from", "127.0.0.1:9400"});
        for (Map.Entry<String, String[]> e : cases.entrySet()) {
            String[] args = new String[e.getValue().length + 1];
            args[0] = "compare";
            System.arraycopy(e.getValue(), 0, args, 1, e.getValue().length);
            CompareRun r = CompareRun.run(args);
            assertEquals(2, r.code(), e.getKey() + ": " + r.err());
            assertTrue(r.err().contains(e.getKey()), r.err());
            assertFalse(r.err().contains("\tat "), r.err());
        }
        Path mixed = SimulatedEvents.promptSet(data.resolve("one-release.jsonl"), 3, 4, 5, EstimatorMode.EXACT, "m-",
                "probe", ModelStyles.base(1, SimulatedEvents.VOCAB));
        CompareRun r = CompareRun.run("compare", "--baseline", SimulatedEvents.MODEL + "@probe", "--candidate", TUNED, "--out", o,
                mixed.toString(), traffic.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--candidate " + TUNED + " has no prompt ids (production traffic)"), r.err());
    }

    @Test
    void shouldDescribeItsOptions() {
        CompareRun r = CompareRun.run("compare", "--help");
        assertEquals(0, r.code(), r.err());
        for (String option : List.of("--baseline", "--candidate", "--bootstrap", "--seed", "--out", "--from", "FILE")) {
            assertTrue(r.out().contains(option), option + " in " + r.out());
        }
    }

    @Test
    void shouldShowBootstrapProgressOnStderr(@TempDir Path out) {
        CompareRun r = CompareRun.run("compare", "--baseline", BASE, "--candidate", TUNED, "--bootstrap", "1000",
                "--out", out.toString(), traffic.toString());
        assertEquals(0, r.code(), r.err());
        List<String> bars = r.err().lines().filter(l -> l.startsWith("bootstrap [")).toList();
        assertEquals(11, bars.size(), "the empty bar, then every tenth: " + r.err());
        assertEquals("bootstrap [--------------------] 0/1000", bars.get(0));
        assertEquals("bootstrap [####################] 1000/1000", bars.get(bars.size() - 1));
        assertTrue(r.out().contains("compare.json"), r.out());

        // prompt designs take their intervals from the jackknife: no bootstrap runs, so no bar
        CompareRun prompts = CompareRun.run("compare", "--baseline", BASE, "--candidate", TUNED, "--bootstrap", "1000",
                "--out", out.resolve("prompts").toString(), baseVsTuned.toString());
        assertEquals(0, prompts.code(), prompts.err());
        assertFalse(prompts.err().contains("bootstrap ["), prompts.err());
        assertTrue(prompts.out().contains("prompt-jackknife t intervals"), prompts.out());
    }

    private static void serve(HttpServer server, String path, Path body) {
        server.createContext(path, ex -> {
            byte[] bytes = Files.readAllBytes(body);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(200, bytes.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(bytes);
            }
        });
    }

    private static List<String> fieldNames(JsonNode n) {
        List<String> names = new java.util.ArrayList<>();
        n.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static <T> Iterable<T> iterable(Iterator<T> it) {
        return () -> it;
    }
}
