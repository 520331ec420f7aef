package dev.canopy.topology;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.canopy.core.replay.ReplayEngine;
import dev.canopy.core.report.Report;
import dev.canopy.core.report.ReportJson;
import dev.canopy.semantic.SemanticAnalyzer;
import dev.canopy.testsupport.HashedWordEmbedder;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Properties;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Semantic diversity in the topology: the same sample and the same numbers as replay --semantic. */
class SemanticTopologyTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[][] TOPICS = {
            {"river", "stone", "water", "bank", "fish", "bridge", "flow"},
            {"engine", "piston", "fuel", "gear", "spark", "torque", "valve"},
            {"violin", "melody", "chord", "tempo", "choir", "rhythm", "note"},
            {"planet", "orbit", "comet", "galaxy", "star", "moon", "light"}};

    private TopologyTestDriver driver;
    /** Per task, the backlog size the topology last reported. */
    private final java.util.Map<String, Long> backlogGauge = new java.util.concurrent.ConcurrentHashMap<>();
    private final TopologyObserver observer = new TopologyObserver() {
        @Override
        public void semanticBacklog(String taskId, long rollouts) {
            backlogGauge.put(taskId, rollouts);
        }
    };
    private Path stateDir;

    @AfterEach
    void stop() throws IOException {
        if (driver != null) {
            driver.close();
            driver = null;
        }
        if (stateDir != null) {
            try (var files = Files.walk(stateDir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
            stateDir = null;
        }
    }

    private void start(MonitorConfig config) throws IOException {
        stateDir = Files.createTempDirectory("canopy-semantic-ttd");
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "canopy-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "dummy:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        driver = new TopologyTestDriver(CanopyTopology.build(config, observer, new HashedWordEmbedder()), props,
                Instant.ofEpochMilli(1_700_000_000_000L));
    }

    /**
     * Per-token events with text for several releases and prompts: a rollout's words come from its
     * prompt's topic with probability rising with its entropy, otherwise from a random topic; events
     * arrive interleaved and shuffled, some repeated, a few rollouts carry no text.
     */
    static List<byte[]> events(long seed) {
        Random rng = new Random(seed);
        List<List<String>> rollouts = new ArrayList<>();
        for (String release : new String[] {"v1", "v2"}) {
            for (int p = 0; p < 9; p++) {
                for (int k = 0; k < 7 + rng.nextInt(5); k++) {
                    String id = release + "-p" + p + "-" + k;
                    int n = 3 + rng.nextInt(12);
                    double spread = release.equals("v1") ? 0.2 : 0.7;
                    List<String> lines = new ArrayList<>();
                    for (int pos = 0; pos < n; pos++) {
                        double lp = -rng.nextDouble() * (release.equals("v1") ? 1 : 3);
                        String[] topic = rng.nextDouble() < spread ? TOPICS[rng.nextInt(TOPICS.length)] : TOPICS[p % TOPICS.length];
                        String word = " " + topic[rng.nextInt(topic.length)];
                        boolean text = !(p == 8 && k == 0);
                        lines.add("{\"model\":\"m\",\"release\":\"" + release + "\",\"rollout_id\":\"" + id + "\",\"prompt_id\":\"p" + p
                                + "\",\"position\":" + pos + ",\"logprob\":" + lp
                                + (text ? ",\"text\":\"" + word + "\"" : "")
                                + (pos == n - 1 ? ",\"final\":true,\"finish_reason\":\"stop\"" : "") + "}");
                    }
                    rollouts.add(lines);
                }
            }
        }
        List<byte[]> out = new ArrayList<>();
        for (List<String> r : rollouts) {
            for (String line : r) {
                out.add(line.getBytes(StandardCharsets.UTF_8));
                if (rng.nextDouble() < 0.05) {
                    out.add(line.getBytes(StandardCharsets.UTF_8));
                }
            }
        }
        Collections.shuffle(out, rng);
        return out;
    }

    private static JsonNode replaySemantic(List<byte[]> lines, int perPrompt, int maxPrompts) throws IOException {
        SemanticAnalyzer analyzer = new SemanticAnalyzer(new HashedWordEmbedder(), perPrompt, maxPrompts);
        ReplayEngine engine = new ReplayEngine(ReplayEngine.Options.defaults(), SemanticSettings.DEFAULT_MAX_CHARS, analyzer::accept);
        for (byte[] line : lines) {
            engine.accept(line, 0, line.length);
        }
        Report report = engine.finish();
        analyzer.flush();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ReportJson.write(report, out, analyzer.extension());
        return JSON.readTree(out.toByteArray());
    }

    private JsonNode streamingSemantic(MonitorConfig config) throws IOException {
        StoreReports.Partial p = StoreReports.read(driver.getKeyValueStore(StoreNames.GROUPS), driver.getKeyValueStore(StoreNames.PENDING),
                driver.getKeyValueStore(StoreNames.REJECTIONS), config.statistics());
        p.semantic().putAll(StoreReports.readSemantic(driver.getKeyValueStore(StoreNames.SEMANTIC_PROMPTS),
                driver.getKeyValueStore(StoreNames.SEMANTIC_COUNTS)));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ReportJson.write(p.report(), out, p.semanticExtension());
        return JSON.readTree(out.toByteArray());
    }

    private static void assertSameSemantic(JsonNode replay, JsonNode streaming) {
        assertEquals(replay.get("groups").size(), streaming.get("groups").size());
        for (int i = 0; i < replay.get("groups").size(); i++) {
            JsonNode a = replay.get("groups").get(i).get("semantic");
            JsonNode b = streaming.get("groups").get(i).get("semantic");
            assertFalse(a.isNull(), "replay measured release " + i);
            for (String field : new String[] {"rollouts_used", "prompts", "diversity", "vendi", "diversity_entropy_rate", "diversity_length", "per_prompt"}) {
                assertEquals(a.get(field), b.get(field), field + " of release " + i);
            }
        }
    }

    @Test
    void shouldMeasureTheSameSampleAndNumbersAsReplay() throws IOException {
        MonitorConfig config = MonitorConfig.defaults().withSemantic(new SemanticSettings(true, 4000, 32, 1000, 1e9, 10_000));
        start(config);
        List<byte[]> lines = events(5);
        TestInputTopic<byte[], byte[]> tokens = driver.createInputTopic(config.topics().tokens(), new ByteArraySerializer(), new ByteArraySerializer());
        for (byte[] line : lines) {
            tokens.pipeInput(null, line);
        }
        JsonNode replay = replaySemantic(lines, 32, 1000);
        JsonNode streaming = streamingSemantic(config);
        assertSameSemantic(replay, streaming);
        JsonNode v2 = streaming.get("groups").get(1).get("semantic");
        assertEquals(9, v2.get("prompts").asInt());
        assertEquals(0, v2.get("rollouts").get("not_sampled").asInt(), "every rollout fits the sample");
        assertTrue(streaming.get("groups").get(0).get("semantic").get("rollouts").get("without_text").asInt() >= 1);
        assertTrue(v2.get("diversity").asDouble() > streaming.get("groups").get(0).get("semantic").get("diversity").asDouble(),
                "the release drawing words from more topics is more diverse");

        TestOutputTopic<String, byte[]> metrics = driver.createOutputTopic(config.topics().metrics(), new StringDeserializer(), new ByteArrayDeserializer());
        driver.advanceWallClockTime(Duration.ofSeconds(6));
        List<JsonNode> semantic = new ArrayList<>();
        for (byte[] b : metrics.readValuesToList()) {
            JsonNode n = JSON.readTree(b);
            if (n.get("kind").asText().equals("semantic")) {
                semantic.add(n);
            }
        }
        assertEquals(2, semantic.size(), "one semantic record per release that changed");
        JsonNode last = semantic.stream().filter(n -> n.get("release").asText().equals("v2")).findFirst().orElseThrow();
        assertEquals(v2.get("diversity"), last.get("semantic").get("diversity"));
    }

    @Test
    void shouldKeepTheBoundedSampleWithoutEmbeddingWhatItWouldNotKeep() throws IOException {
        MonitorConfig config = MonitorConfig.defaults().withSemantic(new SemanticSettings(true, 4000, 4, 5, 1e9, 10_000));
        start(config);
        List<byte[]> lines = events(9);
        TestInputTopic<byte[], byte[]> tokens = driver.createInputTopic(config.topics().tokens(), new ByteArraySerializer(), new ByteArraySerializer());
        for (byte[] line : lines) {
            tokens.pipeInput(null, line);
        }
        JsonNode streaming = streamingSemantic(config);
        assertSameSemantic(replaySemantic(lines, 4, 5), streaming);
        for (JsonNode g : streaming.get("groups")) {
            JsonNode s = g.get("semantic");
            assertEquals(5, s.get("prompts").asInt(), "at most 5 prompts");
            assertEquals(20, s.get("rollouts_used").asInt(), "4 rollouts each");
            JsonNode c = s.get("rollouts");
            assertTrue(c.get("not_sampled").asInt() > 0, "rollouts the sample would not keep were not embedded");
            assertEquals(g.get("rollouts").asInt(), c.get("without_text").asInt() + c.get("embedded").asInt() + c.get("not_sampled").asInt()
                    + c.get("over_budget").asInt(), "every completed rollout is accounted for");
            assertEquals(c.get("embedded").asInt(), s.get("rollouts_embedded").asInt());
        }
        try (var it = driver.<String, byte[]>getKeyValueStore(StoreNames.SEMANTIC_SAMPLES).all()) {
            int n = 0;
            while (it.hasNext()) {
                it.next();
                n++;
            }
            assertEquals(10, n, "evicted prompts leave the store");
        }
    }

    /** Sum of the semantic outcomes of every release, in the order embedded, not sampled, over budget, without text. */
    private long[] outcomes(MonitorConfig config) throws IOException {
        long[] sum = new long[4];
        for (JsonNode g : streamingSemantic(config).get("groups")) {
            JsonNode c = g.get("semantic").get("rollouts");
            sum[0] += c.get("embedded").asLong();
            sum[1] += c.get("not_sampled").asLong();
            sum[2] += c.get("over_budget").asLong();
            sum[3] += c.get("without_text").asLong();
        }
        return sum;
    }

    private long completedRollouts(MonitorConfig config) throws IOException {
        long n = 0;
        for (JsonNode g : streamingSemantic(config).get("groups")) {
            n += g.get("rollouts").asLong();
        }
        return n;
    }

    private int backlogSize() {
        int n = 0;
        try (var it = driver.<String, byte[]>getKeyValueStore(StoreNames.SEMANTIC_BACKLOG).all()) {
            while (it.hasNext()) {
                it.next();
                n++;
            }
        }
        return n;
    }

    /** Advances the wall clock a second at a time until the backlog is empty; returns the seconds it took. */
    private int drain(int maxSeconds) {
        int seconds = 0;
        while (backlogSize() > 0) {
            assertTrue(seconds < maxSeconds, "the backlog drains within " + maxSeconds + " s of budget");
            driver.advanceWallClockTime(Duration.ofSeconds(1));
            seconds++;
            assertEquals(backlogSize(), backlogGauge.values().stream().mapToLong(Long::longValue).sum(), "the reported backlog");
        }
        return seconds;
    }

    @Test
    void shouldMeasureWhatReplayMeasuresWhenABurstWaitsForTheBudget() throws IOException {
        for (int[] bounds : new int[][] {{32, 1000}, {4, 5}}) {
            stop();
            MonitorConfig config = MonitorConfig.defaults().withSemantic(new SemanticSettings(true, 4000, bounds[0], bounds[1], 5, 10_000));
            start(config);
            TestInputTopic<byte[], byte[]> tokens = driver.createInputTopic(config.topics().tokens(), new ByteArraySerializer(), new ByteArraySerializer());
            List<byte[]> lines = events(11);
            for (byte[] line : lines) {
                tokens.pipeInput(null, line);
            }
            long[] during = outcomes(config);
            assertEquals(5, during[0], "the burst spent the first second's budget, no more: " + java.util.Arrays.toString(during));
            assertEquals(0, during[2], "nothing is dropped while the backlog has room");
            long rollouts = completedRollouts(config);
            assertEquals(rollouts - during[0] - during[1] - during[3], backlogSize(), "the rest waits");
            assertTrue(backlogSize() > 30, "the burst is far beyond the budget (the smaller sample has room for 40): " + backlogSize() + " of " + rollouts + " " + java.util.Arrays.toString(during));

            int seconds = drain(200);
            long[] after = outcomes(config);
            assertEquals(rollouts, after[0] + after[1] + after[2] + after[3], "every completed rollout has its outcome");
            assertEquals(0, after[2]);
            assertTrue(after[0] <= 5 + 5L * seconds, "the budget held: " + after[0] + " embeddings in " + seconds + " s at 5/s");
            assertSameSemantic(replaySemantic(lines, bounds[0], bounds[1]), streamingSemantic(config));
            if (bounds[0] == 4) {
                assertTrue(after[0] <= 2 * 4 * 5 + 5, "rollouts displaced while they waited cost no embedding: only the 40 kept and the"
                        + " first second's 5 were embedded, not " + after[0]);
            }
        }
    }

    @Test
    void shouldDropAndCountOnlyWhatArrivesWhenTheBacklogIsFull() throws IOException {
        MonitorConfig config = MonitorConfig.defaults().withSemantic(new SemanticSettings(true, 4000, 32, 1000, 1, 10));
        start(config);
        TestInputTopic<byte[], byte[]> tokens = driver.createInputTopic(config.topics().tokens(), new ByteArraySerializer(), new ByteArraySerializer());
        List<byte[]> lines = events(2);
        for (byte[] line : lines) {
            tokens.pipeInput(null, line);
        }
        long rollouts = completedRollouts(config);
        long[] during = outcomes(config);
        assertEquals(10, backlogSize(), "the backlog holds its bound");
        assertEquals(1, during[0], "one embedding: a rate of 1/s holds one token");
        assertEquals(rollouts - 1 - 10 - during[1] - during[3], during[2], "every other rollout with text was dropped and counted: "
                + java.util.Arrays.toString(during));
        drain(20);
        long[] after = outcomes(config);
        assertEquals(11, after[0], "the waiting ones were embedded later");
        assertEquals(rollouts, after[0] + after[1] + after[2] + after[3]);
        assertEquals(during[2], after[2], "draining drops nothing");
    }

    @Test
    void shouldNotBuildWithoutAnEmbedderWhenSemanticIsOn() {
        MonitorConfig config = MonitorConfig.defaults().withSemantic(SemanticSettings.disabled().enabled(true));
        assertThrows(IllegalArgumentException.class, () -> CanopyTopology.build(config, TopologyObserver.NONE));
    }
}
