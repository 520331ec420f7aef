package dev.canopy.analysis.compare;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.canopy.core.replay.JsonLines;
import dev.canopy.core.replay.ReplayEngine;
import dev.canopy.core.report.Report;
import dev.canopy.core.report.ReportJson;
import dev.canopy.core.stats.GroupKey;
import dev.canopy.semantic.Embedder;
import dev.canopy.semantic.MiniLmEmbedder;
import dev.canopy.semantic.SemanticAnalyzer;
import dev.canopy.semantic.SemanticMetrics;
import dev.canopy.simulator.EstimatorMode;
import dev.canopy.simulator.ModelStyles;
import dev.canopy.testsupport.WordCountEmbedder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code canopy compare --semantic} end to end: on event files with text, and from a monitor's report. */
class SemanticCompareTest {

    private static final String BASE = TextEvents.MODEL + "@base";
    private static final String TUNED = TextEvents.MODEL + "@tuned";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Supplier<CompareCommand> WORDS = () -> new CompareCommand(WordCountEmbedder::new);

    @TempDir
    static Path data;
    private static Path paired;
    private static Path unpaired;
    private static Path traffic;

    @BeforeAll
    static void write() {
        // the base release's diversity follows its entropy rate weakly, the tuned release's strongly
        paired = TextEvents.write(data.resolve("paired.jsonl"), 3, 24, 16,
                new TextEvents.Release("base", "", 0.3), new TextEvents.Release("tuned", "", 1.0));
        unpaired = TextEvents.write(data.resolve("unpaired.jsonl"), 4, 24, 16,
                new TextEvents.Release("base", "a-", 0.3), new TextEvents.Release("tuned", "b-", 1.0));
        traffic = TextEvents.write(data.resolve("traffic.jsonl"), 5, 1, 120,
                new TextEvents.Release("base", null, 0.3), new TextEvents.Release("tuned", null, 1.0));
    }

    /** The semantic metrics {@code canopy replay --semantic} computes for the file with the same embedder and settings. */
    private static SemanticAnalyzer replay(Path file, Embedder embedder, int perPrompt) throws IOException {
        SemanticAnalyzer analyzer = new SemanticAnalyzer(embedder, perPrompt, dev.canopy.topology.SemanticSettings.DEFAULT_MAX_PROMPTS);
        ReplayEngine engine = new ReplayEngine(ReplayEngine.Options.defaults(), 4000, analyzer::accept);
        try (InputStream in = JsonLines.open(file)) {
            JsonLines.forEach(in, engine::accept);
        }
        engine.finish();
        analyzer.flush();
        return analyzer;
    }

    /** A monitor report with semantic blocks, as ReportJson and SemanticJson write it. */
    private static Path report(Path file, Path out) throws IOException {
        SemanticAnalyzer analyzer = new SemanticAnalyzer(new WordCountEmbedder(), 64, dev.canopy.topology.SemanticSettings.DEFAULT_MAX_PROMPTS);
        ReplayEngine engine = new ReplayEngine(ReplayEngine.Options.defaults(), 4000, analyzer::accept);
        try (InputStream in = JsonLines.open(file)) {
            JsonLines.forEach(in, engine::accept);
        }
        Report report = engine.finish();
        analyzer.flush();
        try (OutputStream o = Files.newOutputStream(out)) {
            ReportJson.write(report, o, analyzer.extension());
        }
        return out;
    }

    private static JsonNode compareJson(Path out) throws IOException {
        return JSON.readTree(out.resolve("compare.json").toFile());
    }

    @Test
    void shouldStartFromReplaysSemanticValuesOfEachRelease(@TempDir Path out) throws IOException {
        CompareRun r = CompareRun.run(WORDS, "compare", "--semantic", "--baseline", BASE, "--candidate", TUNED, "--out", out.toString(),
                paired.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode s = compareJson(out).get("semantic");
        assertNotNull(s, "compare.json has a semantic section");
        assertEquals(List.of("paired", "mode", "prompts", "rollouts_embedded", "rollouts_used", "decision", "metrics", "diversity_entropy_rate_ratio"),
                fieldNames(s));
        assertTrue(s.get("paired").asBoolean());
        assertEquals("prompt", s.get("mode").asText());
        assertEquals(24, s.get("prompts").get("shared").asInt());

        SemanticAnalyzer replayed = replay(paired, new WordCountEmbedder(), 64);
        for (String side : List.of("baseline", "candidate")) {
            SemanticMetrics m = replayed.metrics(new GroupKey(TextEvents.MODEL, side.equals("baseline") ? "base" : "tuned"));
            JsonNode metrics = s.get("metrics");
            assertEquals(m.diversity(), metrics.get("diversity").get(side).asDouble(), 1e-12, side);
            assertEquals(m.vendi(), metrics.get("vendi").get(side).asDouble(), 1e-12, side);
            assertEquals(m.rateCorrelation().pearson(), metrics.get("diversity_entropy_rate.pearson").get(side).asDouble(), 1e-12, side);
            assertEquals(m.lengthCorrelation().pearson(), metrics.get("diversity_length.pearson").get(side).asDouble(), 1e-12, side);
            assertEquals(m.prompts(), s.get("prompts").get(side).asInt());
            assertEquals(m.embedded(), s.get("rollouts_embedded").get(side).asLong());
            assertEquals(m.kept(), s.get("rollouts_used").get(side).asLong());
            assertEquals(24 * 16, m.embedded());
        }
        for (Map.Entry<String, JsonNode> e : iterable(s.get("metrics"))) {
            JsonNode m = e.getValue();
            assertEquals(List.of("baseline", "candidate", "delta", "ci_low", "ci_high", "percent_delta", "significant", "p_value", "q_value"),
                    fieldNames(m), e.getKey());
            assertEquals(m.get("candidate").asDouble() - m.get("baseline").asDouble(), m.get("delta").asDouble(), 1e-12, e.getKey());
            assertTrue(m.get("ci_low").asDouble() <= m.get("delta").asDouble() && m.get("delta").asDouble() <= m.get("ci_high").asDouble(),
                    e.getKey() + ": the interval contains the point change");
            assertEquals(e.getKey().contains("."), m.get("percent_delta").isNull(), e.getKey() + ": no percentage for correlations");
        }
        // the data make the tuned release's coupling much stronger, as the paper's fine-tuned models
        JsonNode coupling = s.get("metrics").get("diversity_entropy_rate.pearson");
        assertTrue(coupling.get("baseline").asDouble() > 0 && coupling.get("candidate").asDouble() > coupling.get("baseline").asDouble(), coupling.toString());
        assertTrue(coupling.get("significant").asBoolean(), coupling.toString());
        JsonNode ratio = s.get("diversity_entropy_rate_ratio");
        assertEquals(coupling.get("candidate").asDouble() / coupling.get("baseline").asDouble(), ratio.get("value").asDouble(), 1e-12);
        assertTrue(ratio.get("ci_low").asDouble() <= ratio.get("value").asDouble() && ratio.get("value").asDouble() <= ratio.get("ci_high").asDouble(),
                ratio.toString());

        // the main metrics are those of a run without --semantic
        Path plain = out.resolve("plain");
        assertEquals(0, CompareRun.run("compare", "--baseline", BASE, "--candidate", TUNED, "--out", plain.toString(), paired.toString()).code());
        ObjectNode withSemantic = (ObjectNode) compareJson(out);
        withSemantic.remove("semantic");
        assertEquals(compareJson(plain), withSemantic);
        assertFalse(compareJson(plain).has("semantic"));
        assertFalse(Files.readString(plain.resolve("report.md")).contains("Semantic diversity"));
        assertFalse(Files.exists(plain.resolve(ComparePlots.SEMANTIC)));

        String report = Files.readString(out.resolve("report.md"));
        assertTrue(report.contains("## Semantic diversity"), report);
        assertTrue(report.contains("`diversity_entropy_rate.pearson`"), report);
        assertTrue(report.contains("times the baseline's"), report);
        assertTrue(report.contains("](" + ComparePlots.SEMANTIC + ")"), report);
        assertTrue(report.contains("**Semantic diversity.**"), "the caveat");
        assertNotNull(ImageIO.read(out.resolve(ComparePlots.SEMANTIC).toFile()));
        assertTrue(r.out().contains("    diversity_entropy_rate.pearson "), r.out());
        assertTrue(r.out().contains("diversity_entropy_rate ratio"), r.out());
    }

    @Test
    void shouldWriteTheSameFilesForTheSameSeed(@TempDir Path dir) throws IOException {
        List<String> outputs = new ArrayList<>();
        for (String name : List.of("one", "two", "other")) {
            CompareRun r = CompareRun.run(WORDS, "compare", "--semantic", "--baseline", BASE, "--candidate", TUNED, "--bootstrap", "300",
                    "--seed", name.equals("other") ? "8" : "7", "--out", dir.resolve(name).toString(), paired.toString());
            assertEquals(0, r.code(), r.err());
            outputs.add(Files.readString(dir.resolve(name).resolve("compare.json")) + Files.readString(dir.resolve(name).resolve("report.md")));
        }
        assertEquals(outputs.get(0), outputs.get(1));
        assertFalse(outputs.get(0).equals(outputs.get(2)));
    }

    @Test
    void shouldResampleUnpairedWithoutSharedPromptsAndNotAtAllForTraffic(@TempDir Path dir) throws IOException {
        CompareRun r = CompareRun.run(WORDS, "compare", "--semantic", "--baseline", BASE, "--candidate", TUNED, "--bootstrap", "400",
                "--out", dir.resolve("u").toString(), unpaired.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode s = compareJson(dir.resolve("u")).get("semantic");
        assertFalse(s.get("paired").asBoolean());
        assertEquals("prompt", s.get("mode").asText());
        assertEquals(0, s.get("prompts").get("shared").asInt());
        assertTrue(Files.readString(dir.resolve("u").resolve("report.md")).contains("unpaired (no prompt id shared)"));

        CompareRun t = CompareRun.run(WORDS, "compare", "--semantic", "--baseline", BASE, "--candidate", TUNED, "--bootstrap", "400",
                "--out", dir.resolve("t").toString(), traffic.toString());
        assertEquals(0, t.code(), t.err());
        JsonNode c = compareJson(dir.resolve("t"));
        assertEquals("rollout", c.get("mode").asText());
        JsonNode ts = c.get("semantic");
        assertEquals("none", ts.get("mode").asText());
        assertFalse(ts.get("paired").asBoolean());
        for (Map.Entry<String, JsonNode> e : iterable(ts.get("metrics"))) {
            assertTrue(e.getValue().get("delta").isNumber(), e.getKey());
            assertTrue(e.getValue().get("ci_low").isNull() && e.getValue().get("significant").isNull(), e.getKey());
        }
        assertTrue(Files.readString(dir.resolve("t").resolve("report.md")).contains("prefer a fixed probe set with prompt ids"));
        // the rollout bootstrap sees the same rollouts with and without text assembly
        assertEquals(0, CompareRun.run("compare", "--baseline", BASE, "--candidate", TUNED, "--bootstrap", "400",
                "--out", dir.resolve("plain").toString(), traffic.toString()).code());
        ((ObjectNode) c).remove("semantic");
        assertEquals(compareJson(dir.resolve("plain")), c);
    }

    @Test
    void shouldGiveTheFileResultFromAMonitorsSemanticBlock(@TempDir Path dir) throws IOException {
        Path withBlock = report(paired, dir.resolve("semantic.json"));
        Path withoutBlock = dir.resolve("plain.json");
        assertEquals(0, CompareRun.run("replay", "--out", withoutBlock.toString(), paired.toString()).code());
        ObjectNode partial = (ObjectNode) JSON.readTree(withBlock.toFile());
        for (JsonNode g : partial.get("groups")) {
            if (g.get("release").asText().equals("tuned")) {
                ((ObjectNode) g).putNull("semantic");
            }
        }
        Path halfBlock = dir.resolve("half.json");
        JSON.writeValue(halfBlock.toFile(), partial);

        // the parser on its own: the block's values, and its per_prompt entries pool to them
        LoadedReleases in = MonitorReportInput.of(JSON.readTree(withBlock.toFile()), "http://x", URI.create("http://x/api/v1/report"),
                new ReleaseRef(TextEvents.MODEL, "base"), new ReleaseRef(TextEvents.MODEL, "tuned"), true);
        SemanticMetrics replayed = replay(paired, new WordCountEmbedder(), 64).metrics(new GroupKey(TextEvents.MODEL, "base"));
        assertEquals(replayed.diversity(), in.semanticBaseline().point(SemanticMetric.DIVERSITY), 1e-12);
        assertEquals(replayed.rateCorrelation().pearson(), in.semanticBaseline().point(SemanticMetric.ENTROPY_RATE), 1e-12);
        assertEquals(replayed.perPrompt().size(), in.semanticBaseline().table().size());
        double[] pooled = in.semanticCandidate().table().pooled();
        for (SemanticMetric m : SemanticMetric.values()) {
            assertEquals(in.semanticCandidate().point(m), pooled[m.ordinal()], 1e-12, m.key());
        }

        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        serve(server, "/semantic/api/v1/report", withBlock);
        serve(server, "/plain/api/v1/report", withoutBlock);
        serve(server, "/half/api/v1/report", halfBlock);
        server.start();
        try {
            String base = "http://127.0.0.1:" + server.getAddress().getPort();
            Path fromFiles = dir.resolve("files");
            Path fromMonitor = dir.resolve("monitor");
            assertEquals(0, CompareRun.run(WORDS, "compare", "--semantic", "--baseline", BASE, "--candidate", TUNED, "--out",
                    fromFiles.toString(), paired.toString()).code());
            CompareRun r = CompareRun.run(WORDS, "compare", "--semantic", "--baseline", BASE, "--candidate", TUNED, "--out",
                    fromMonitor.toString(), "--from", base + "/semantic");
            assertEquals(0, r.code(), r.err());
            assertEquals(Files.readString(fromFiles.resolve("compare.json")), Files.readString(fromMonitor.resolve("compare.json")),
                    "the semantic bootstrap needs only the per-prompt values: same numbers from the report");
            assertTrue(Files.exists(fromMonitor.resolve(ComparePlots.SEMANTIC)));

            CompareRun missing = CompareRun.run(WORDS, "compare", "--semantic", "--baseline", BASE, "--candidate", TUNED, "--out",
                    dir.resolve("m").toString(), "--from", base + "/plain");
            assertEquals(2, missing.code(), missing.err());
            assertTrue(missing.err().contains("does not measure semantic diversity") && missing.err().contains("canopy.semantic.enabled=true")
                    && missing.err().contains("--semantic on canopy run"), missing.err());
            assertEquals(1, missing.err().lines().filter(l -> l.startsWith("canopy:")).count(), missing.err());
            assertFalse(missing.err().contains("\tat "), missing.err());
            assertFalse(Files.exists(dir.resolve("m").resolve("compare.json")));

            CompareRun half = CompareRun.run(WORDS, "compare", "--semantic", "--baseline", BASE, "--candidate", TUNED, "--out",
                    dir.resolve("h").toString(), "--from", base + "/half");
            assertEquals(2, half.code(), half.err());
            assertTrue(half.err().contains("measures semantic diversity but has none for " + TUNED), half.err());
            assertFalse(half.err().contains("\tat "), half.err());

            // without --semantic a report with semantic blocks compares as before
            Path ignored = dir.resolve("ignored");
            assertEquals(0, CompareRun.run("compare", "--baseline", BASE, "--candidate", TUNED, "--out", ignored.toString(),
                    "--from", base + "/semantic").code());
            assertFalse(compareJson(ignored).has("semantic"));
        } finally {
            server.stop(0);
        }
    }

    @Test
    void shouldExplainSemanticMistakesWithoutAStackTrace(@TempDir Path dir) {
        Path noText = SimulatedEvents.promptSet(data.resolve("no-text.jsonl"), 1, 4, 5, EstimatorMode.EXACT, "",
                "base", ModelStyles.base(1, SimulatedEvents.VOCAB), "tuned", ModelStyles.tuned(2, SimulatedEvents.VOCAB));
        CompareRun r = CompareRun.run(WORDS, "compare", "--semantic", "--baseline", SimulatedEvents.MODEL + "@base",
                "--candidate", SimulatedEvents.MODEL + "@tuned", "--out", dir.toString(), noText.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("carried text to embed"), r.err());
        assertFalse(r.err().contains("\tat "), r.err());

        for (String command : List.of("compare", "replay")) {
            CompareRun bad = command.equals("compare")
                    ? CompareRun.run(WORDS, "compare", "--semantic", "--semantic-per-prompt", "1", "--baseline", BASE, "--candidate", TUNED,
                    "--out", dir.toString(), paired.toString())
                    : CompareRun.run("replay", "--semantic", "--semantic-per-prompt", "1", paired.toString());
            assertEquals(2, bad.code(), command + ": " + bad.err());
            assertTrue(bad.err().contains("--semantic-per-prompt at least 2"), command + ": " + bad.err());
        }
        for (String command : List.of("compare", "replay")) {
            CompareRun help = CompareRun.run(command, "--help");
            for (String option : List.of("--semantic", "--semantic-max-chars", "--semantic-per-prompt")) {
                assertTrue(help.out().contains(option), command + " --help lists " + option);
            }
        }
    }

    @Test
    void shouldCompareRealSentencesWithTheMiniLmModel(@TempDir Path dir) throws IOException {
        Path base = TextEvents.sentences(dir.resolve("base.jsonl"), "base", List.of(
                List.of("The capital of France is Paris", "Paris is the capital of France", "France has Paris as its capital",
                        "It is Paris"),
                List.of("Water boils at one hundred degrees", "At sea level water boils at 100 C", "Boiling water is hot",
                        "The boiling point of water is one hundred degrees Celsius")));
        Path tuned = TextEvents.sentences(dir.resolve("tuned.jsonl"), "tuned", List.of(
                List.of("Paris, a city on the Seine, is the capital of France and its largest city",
                        "I would say Paris, though Lyon and Marseille are large too", "Paris", "The answer is Paris"),
                List.of("One hundred degrees Celsius at standard pressure", "It depends on altitude: lower on a mountain",
                        "Water boils when its vapour pressure equals the air pressure", "100 C")));
        long started = System.nanoTime();
        CompareRun r = CompareRun.run(() -> new CompareCommand(MiniLmEmbedder::new), "compare", "--semantic", "--bootstrap", "200",
                "--baseline", TextEvents.MODEL + "@base", "--candidate", TextEvents.MODEL + "@tuned", "--out", dir.resolve("out").toString(),
                base.toString(), tuned.toString());
        double seconds = (System.nanoTime() - started) / 1e9;
        assertEquals(0, r.code(), r.err());
        JsonNode s = compareJson(dir.resolve("out")).get("semantic");
        assertEquals(2, s.get("prompts").get("baseline").asInt());
        assertEquals(2, s.get("prompts").get("shared").asInt(), "both releases answered prompts q0 and q1");
        assertTrue(s.get("paired").asBoolean());
        for (String side : List.of("baseline", "candidate")) {
            double d = s.get("metrics").get("diversity").get(side).asDouble();
            double v = s.get("metrics").get("vendi").get(side).asDouble();
            assertTrue(d > 0 && d < 1, side + " diversity " + d);
            assertTrue(v > 1 && v < 4, side + " Vendi " + v);
        }
        assertTrue(s.get("metrics").get("diversity").get("candidate").asDouble() > s.get("metrics").get("diversity").get("baseline").asDouble(),
                "paraphrases of one answer are less diverse than different answers");
        assertTrue(seconds < 20, "took " + seconds + " s");
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
        List<String> names = new ArrayList<>();
        n.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static Iterable<Map.Entry<String, JsonNode>> iterable(JsonNode n) {
        return n::fields;
    }
}
