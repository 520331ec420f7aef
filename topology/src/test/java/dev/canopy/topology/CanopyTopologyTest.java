package dev.canopy.topology;

import dev.canopy.core.replay.JsonLines;
import dev.canopy.core.replay.ReplayEngine;
import dev.canopy.core.report.ReportJson;
import dev.canopy.core.stats.GroupKey;
import dev.canopy.core.stats.GroupMetrics;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The whole topology under TopologyTestDriver: same answers as the replay, DLQ, windows. */
class CanopyTopologyTest {

    static final Path FIXTURE = Path.of("../core/src/test/resources/reference/events.jsonl");

    private TopologyTestDriver driver;
    private TestInputTopic<byte[], byte[]> tokens;
    private Path stateDir;
    private final MonitorConfig config = MonitorConfig.defaults();

    @BeforeEach
    void start() throws IOException {
        stateDir = Files.createTempDirectory("canopy-ttd");
        Properties props = driverProperties(stateDir);
        driver = new TopologyTestDriver(CanopyTopology.build(config, TopologyObserver.NONE), props, Instant.ofEpochMilli(1_700_000_000_000L));
        tokens = driver.createInputTopic(config.topics().tokens(), new ByteArraySerializer(), new ByteArraySerializer());
    }

    @AfterEach
    void stop() throws IOException {
        driver.close();
        try (var files = Files.walk(stateDir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** The settings of a TopologyTestDriver over the whole topology: exactly-once, state under {@code stateDir}. */
    static Properties driverProperties(Path stateDir) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "canopy-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "dummy:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        return props;
    }

    private static List<byte[]> lines(Path file) throws IOException {
        List<byte[]> out = new ArrayList<>();
        try (InputStream in = JsonLines.open(file)) {
            JsonLines.forEach(in, (b, off, len) -> out.add(Arrays.copyOfRange(b, off, off + len)));
        }
        return out;
    }

    private String replayReport(Path file) throws IOException {
        ReplayEngine engine = new ReplayEngine(ReplayEngine.Options.defaults());
        for (byte[] line : lines(file)) {
            engine.accept(line, 0, line.length);
        }
        return ReportJson.toJson(engine.finish());
    }

    private String streamingReport() {
        return ReportJson.toJson(StoreReports.read(driver.getKeyValueStore(StoreNames.GROUPS), driver.getKeyValueStore(StoreNames.PENDING),
                driver.getKeyValueStore(StoreNames.REJECTIONS), config.statistics()).report());
    }

    private static byte[] rolloutIdOf(byte[] line) {
        String s = new String(line, StandardCharsets.UTF_8);
        int i = s.indexOf("\"rollout_id\":\"");
        if (i < 0) {
            return null;
        }
        int from = i + 14;
        return s.substring(from, s.indexOf('"', from)).getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void shouldReportExactlyWhatReplayReportsWithKeyedUnkeyedAndMiskeyedRecords() throws IOException {
        List<byte[]> lines = lines(FIXTURE);
        for (int i = 0; i < lines.size(); i++) {
            byte[] key = switch (i % 3) {
                case 0 -> rolloutIdOf(lines.get(i));
                case 1 -> null;
                default -> ("wrong-" + i).getBytes(StandardCharsets.UTF_8);
            };
            tokens.pipeInput(key, lines.get(i));
        }
        // before any fold, the report is built from the pending rollouts: the measured groups already agree
        String early = streamingReport();
        String replay = replayReport(FIXTURE);
        assertEquals(replay.replaceAll("\"abandoned\" : \\d+", ""), early.replaceAll("\"abandoned\" : \\d+", ""),
                "everything but the not-yet-expired abandoned counts, before the first fold");
        // incomplete rollouts expire after the idle timeout, as replay counts them at the end
        driver.advanceWallClockTime(config.idleTimeout().plusMinutes(1));
        assertEquals(replay, streamingReport());
        // the abandoned rollouts wait in the pending store until the next fold
        driver.advanceWallClockTime(Duration.ofMillis(AggregateProcessor.FOLD_INTERVAL_MS + 1_000));
        assertEquals(0, driver.getKeyValueStore(StoreNames.PENDING).approximateNumEntries(), "pending rollouts are folded");
        assertEquals(replay, streamingReport(), "and the report is the same from the folded accumulators");
    }

    @Test
    void shouldRouteRejectedRecordsToTheDeadLetterTopicWithReasonAndSource() {
        TestOutputTopic<byte[], byte[]> dlq = driver.createOutputTopic(config.topics().deadLetter(),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        byte[] bad = "{\"model\":\"m\",\"release\":\"r\",\"rollout_id\":\"x\",\"position\":0,\"logprob\":0.5}".getBytes(StandardCharsets.UTF_8);
        tokens.pipeInput("x".getBytes(StandardCharsets.UTF_8), bad);
        tokens.pipeInput(null, "not json".getBytes(StandardCharsets.UTF_8));
        List<TestRecord<byte[], byte[]>> out = dlq.readRecordsToList();
        assertEquals(2, out.size());
        assertTrue(Arrays.equals(bad, out.get(0).value()), "the original bytes are kept");
        Headers h = out.get(0).headers();
        assertEquals("invalid_logprob", new String(h.lastHeader("canopy.reason").value(), StandardCharsets.UTF_8));
        assertEquals(config.topics().tokens(), new String(h.lastHeader("canopy.source.topic").value(), StandardCharsets.UTF_8));
        assertEquals("0", new String(h.lastHeader("canopy.source.offset").value(), StandardCharsets.UTF_8));
        assertEquals("not_json", new String(out.get(1).headers().lastHeader("canopy.reason").value(), StandardCharsets.UTF_8));
        assertNull(out.get(1).key());
        assertEquals(1L, driver.getKeyValueStore(StoreNames.REJECTIONS).get("invalid_logprob"));
    }

    @Test
    void shouldPublishCompletedRolloutsAndCumulativeAndWindowMetrics() {
        TestOutputTopic<String, byte[]> rollouts = driver.createOutputTopic(config.topics().rollouts(),
                new StringDeserializer(), new ByteArrayDeserializer());
        TestOutputTopic<String, byte[]> metrics = driver.createOutputTopic(config.topics().metrics(),
                new StringDeserializer(), new ByteArrayDeserializer());
        long t0 = 1_700_000_000_000L;
        for (int i = 0; i < 20; i++) {
            String id = "r" + i;
            for (int p = 0; p <= i % 4; p++) {
                String json = "{\"model\":\"m\",\"release\":\"v1\",\"rollout_id\":\"" + id + "\",\"prompt_id\":\"p" + (i % 2)
                        + "\",\"position\":" + p + ",\"logprob\":-" + (0.1 * (p + 1) + 0.01 * i) + ",\"timestamp\":" + (t0 + i * 60_000L)
                        + (p == i % 4 ? ",\"final\":true,\"finish_reason\":\"stop\"" : "") + "}";
                tokens.pipeInput(id.getBytes(StandardCharsets.UTF_8), json.getBytes(StandardCharsets.UTF_8));
            }
        }
        assertEquals(20, rollouts.readRecordsToList().size());
        driver.advanceWallClockTime(Duration.ofSeconds(6));
        List<String> kinds = metrics.readValuesToList().stream().map(b -> new String(b, StandardCharsets.UTF_8)).toList();
        assertTrue(kinds.stream().anyMatch(s -> s.contains("\"kind\":\"cumulative\"") && s.contains("\"rollouts\":20")), String.join("\n", kinds));
        // 20 rollouts one minute apart; newest at t0+19min: the provisional window holds all of them (1 h)
        assertTrue(kinds.stream().anyMatch(s -> s.contains("\"closed\":false") && s.contains("\"rollouts\":20")), String.join("\n", kinds));
        // windows whose end is 5 min (grace) behind the newest completion are closed and stored
        assertTrue(kinds.stream().anyMatch(s -> s.contains("\"closed\":true")), "a closed window was emitted");
        try (var it = driver.<String, byte[]>getKeyValueStore(StoreNames.WINDOWS).all()) {
            assertTrue(it.hasNext(), "closed windows are kept for the API");
        }
    }

    @Test
    void shouldKeepTheEmittedMetricsAndTheProvisionalWindowForReaders() {
        long t0 = 1_700_000_000_000L;
        for (int i = 0; i < 30; i++) {
            rolloutChunk("m", i % 2 == 0 ? "v1" : "v2", "a" + i, "p" + (i % 3), 5 + (i * 7) % 11, 1.0 + 0.1 * (i % 5), t0 + i * 60_000L);
        }
        GroupKey v1 = new GroupKey("m", "v1");
        String group = GroupKeys.of(v1);
        // a provisional window as older versions kept it, in the closed windows' store
        var windows = driver.<String, byte[]>getKeyValueStore(StoreNames.WINDOWS);
        windows.put(GroupKeys.timed(group, AggregateProcessor.PROVISIONAL),
                new WindowValue(0, 1, false, new dev.canopy.core.stats.GroupAccumulator()).toBytes());
        driver.advanceWallClockTime(Duration.ofSeconds(6));

        assertEmittedMetricsMatchTheStores(v1);
        assertEmittedMetricsMatchTheStores(new GroupKey("m", "v2"));
        assertNull(windows.get(GroupKeys.timed(group, AggregateProcessor.PROVISIONAL)), "the old provisional slot is cleared");
        List<WindowValue> kept = StoreReports.windows(windows, driver.getKeyValueStore(StoreNames.PROVISIONAL_WINDOWS), v1);
        assertTrue(kept.size() > 1, "closed windows and the provisional one");
        assertTrue(kept.subList(0, kept.size() - 1).stream().allMatch(WindowValue::closed), "the closed ones first");
        assertTrue(!kept.get(kept.size() - 1).closed() && kept.get(kept.size() - 1).accumulator().rollouts() > 0, "the provisional last");
    }

    /** The stored metrics of a release are those of its accumulator and of its newest (provisional) window. */
    private void assertEmittedMetricsMatchTheStores(GroupKey key) {
        ReleaseMetrics stored = StoreReports.releaseMetrics(driver.getKeyValueStore(StoreNames.RELEASE_METRICS)).get(key);
        dev.canopy.core.stats.GroupAccumulator acc = StoreReports.read(driver.getKeyValueStore(StoreNames.GROUPS),
                driver.getKeyValueStore(StoreNames.PENDING), driver.getKeyValueStore(StoreNames.REJECTIONS), config.statistics()).groups().get(key);
        ReleaseMetricsTest.assertSameMetrics(GroupMetrics.of(key, acc), stored.cumulative());
        assertEquals(acc.firstSeen(), stored.firstSeen());
        assertEquals(acc.lastSeen(), stored.lastSeen());
        WindowValue open = WindowValue.fromBytes(driver.<String, byte[]>getKeyValueStore(StoreNames.PROVISIONAL_WINDOWS).get(GroupKeys.of(key)));
        assertEquals(open.end(), stored.newest().end());
        assertTrue(!stored.newest().closed());
        ReleaseMetricsTest.assertSameMetrics(GroupMetrics.of(key, open.accumulator()), stored.newest().metrics());
    }

    @Test
    void shouldWriteWholeAccumulatorsOnlyAtFoldsYetEmitEveryRolloutBetweenThem() {
        TestOutputTopic<String, byte[]> metrics = driver.createOutputTopic(config.topics().metrics(),
                new StringDeserializer(), new ByteArrayDeserializer());
        long t0 = 1_700_000_000_000L;
        for (int i = 0; i < 10; i++) {
            rolloutChunk("m", "v1", "a" + i, "p" + (i % 3), 5 + i, 1.0 + 0.1 * i, t0 + i * 1_000L);
        }
        driver.advanceWallClockTime(Duration.ofSeconds(6)); // the first emit folds
        var groups = driver.<String, byte[]>getKeyValueStore(StoreNames.GROUPS);
        String group = GroupKeys.of("m", "v1");
        assertEquals(10, StoredGroup.decode(groups.get(group)).accumulator().rollouts());
        metrics.readValuesToList();

        for (int i = 10; i < 25; i++) {
            rolloutChunk("m", "v1", "a" + i, "p" + (i % 3), 5 + i, 1.0 + 0.1 * i, t0 + i * 1_000L);
        }
        driver.advanceWallClockTime(Duration.ofSeconds(6)); // an emit between folds
        assertEquals(10, StoredGroup.decode(groups.get(group)).accumulator().rollouts(), "not rewritten between folds");
        assertEquals(15, driver.getKeyValueStore(StoreNames.PENDING).approximateNumEntries(), "the newer rollouts are pending");
        List<String> between = metrics.readValuesToList().stream().map(b -> new String(b, StandardCharsets.UTF_8)).toList();
        assertTrue(between.stream().anyMatch(m -> m.contains("\"kind\":\"cumulative\"") && m.contains("\"rollouts\":25")), between.toString());
        assertTrue(between.stream().anyMatch(m -> m.contains("\"closed\":false") && m.contains("\"rollouts\":25")),
                "the provisional window merges the unwritten slices too: " + between);
        String report = streamingReport();

        driver.advanceWallClockTime(Duration.ofMillis(AggregateProcessor.FOLD_INTERVAL_MS));
        assertEquals(25, StoredGroup.decode(groups.get(group)).accumulator().rollouts(), "written at the next fold");
        assertEquals(0, driver.getKeyValueStore(StoreNames.PENDING).approximateNumEntries());
        assertEquals(report, streamingReport(), "the same report from pending rollouts and from the folded accumulator");
    }

    private void rolloutChunk(String model, String release, String id, String prompt, int n, double rate, long ts) {
        StringBuilder sb = new StringBuilder("{\"model\":\"" + model + "\",\"release\":\"" + release + "\",\"rollout_id\":\"" + id
                + "\",\"prompt_id\":\"" + prompt + "\",\"final\":true,\"finish_reason\":\"stop\",\"timestamp\":" + ts + ",\"tokens\":[");
        for (int p = 0; p < n; p++) {
            sb.append(p == 0 ? "" : ",").append("{\"position\":").append(p).append(",\"entropy\":").append(rate).append('}');
        }
        sb.append("]}");
        tokens.pipeInput(id.getBytes(StandardCharsets.UTF_8), sb.toString().getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void shouldInferReleasesAndPublishAShiftInRhoToTheAlertsTopic() {
        TestOutputTopic<String, byte[]> alerts = driver.createOutputTopic(config.topics().alerts(), new StringDeserializer(), new ByteArrayDeserializer());
        TestOutputTopic<String, byte[]> releases = driver.createOutputTopic(config.topics().releases(), new StringDeserializer(), new ByteArrayDeserializer());
        java.util.SplittableRandom rng = new java.util.SplittableRandom(3);
        long t0 = 1_700_000_000_000L;
        for (int i = 0; i < 600; i++) {
            int n = 5 + rng.nextInt(50);
            rolloutChunk("m", "v1", "a" + i, "p" + (i % 6), n, Math.max(0.1, 2 - 0.03 * (n - 30) + 0.2 * rng.nextGaussian()), t0 + i);
        }
        driver.advanceWallClockTime(Duration.ofSeconds(6));
        for (int i = 0; i < 600; i++) {
            int n = 5 + rng.nextInt(50);
            rolloutChunk("m", "v2", "b" + i, "p" + (i % 6), n, Math.max(0.1, 2 + 0.03 * (n - 30) + 0.2 * rng.nextGaussian()), t0 + 100_000 + i);
        }
        driver.advanceWallClockTime(Duration.ofSeconds(6));
        List<String> inferred = releases.readValuesToList().stream().map(b -> new String(b, StandardCharsets.UTF_8)).toList();
        assertEquals(2, inferred.size(), inferred.toString());
        assertTrue(inferred.get(1).contains("\"release\":\"v2\"") && inferred.get(1).contains("\"source\":\"inferred\""), inferred.toString());
        List<ShiftVerdict> verdicts = alerts.readValuesToList().stream().map(ShiftVerdict::parse).toList();
        ShiftVerdict rho = verdicts.stream().filter(v -> v.metric().equals("length_entropy_rate.pearson")).reduce((a, b) -> b).orElseThrow();
        assertEquals("shift", rho.status(), verdicts.toString());
        assertEquals("up", rho.direction());
        assertEquals("v1", rho.baseline());
        assertEquals("v2", rho.candidate());
        assertTrue(rho.low() > 0, "the interval excludes zero: " + rho);
        // nothing changed since: no repeated alert
        driver.advanceWallClockTime(Duration.ofSeconds(6));
        assertTrue(alerts.isEmpty());
    }

    @Test
    void shouldCompareTheNewestReleaseWithItsAnnouncedBaselineAndRetireOlderVerdicts() {
        TestInputTopic<String, byte[]> releases = driver.createInputTopic(config.topics().releases(),
                new org.apache.kafka.common.serialization.StringSerializer(), new ByteArraySerializer());
        TestOutputTopic<String, byte[]> alerts = driver.createOutputTopic(config.topics().alerts(), new StringDeserializer(), new ByteArrayDeserializer());
        java.util.SplittableRandom rng = new java.util.SplittableRandom(5);
        long t0 = 1_700_000_000_000L;
        String[] names = {"A", "B", "C"};
        for (int k = 0; k < 3; k++) {
            if (k == 2) {
                ReleaseRecord announced = new ReleaseRecord("m", "C", t0 + 3_000_000, "A", "announced");
                releases.pipeInput(announced.key(), announced.toJson());
            }
            for (int i = 0; i < 200; i++) {
                int n = 5 + rng.nextInt(50);
                rolloutChunk("m", names[k], names[k] + i, "p" + (i % 4), n, 1 + 0.1 * rng.nextGaussian() + 0.01 * n, t0 + k * 1_000_000L + i);
            }
            driver.advanceWallClockTime(Duration.ofSeconds(6));
        }
        List<ShiftVerdict> verdicts = alerts.readValuesToList().stream().map(ShiftVerdict::parse).toList();
        ShiftVerdict last = verdicts.get(verdicts.size() - 1);
        assertEquals("C", last.candidate());
        assertEquals("A", last.baseline(), "the announced baseline, not the previous release B");
        try (var it = driver.<String, byte[]>getKeyValueStore(StoreNames.SHIFT_RESULTS).all()) {
            while (it.hasNext()) {
                ShiftVerdict v = ShiftVerdict.parse(it.next().value);
                assertEquals("C", v.candidate(), "verdicts about B as candidate were retired");
            }
        }
    }

    /**
     * Every character the topology joins names with: U+0000 (state-store keys), '@' (release, metric and
     * alert keys), '|' (verdict signatures). A producer that puts one in a name must not reach another
     * release's numbers: control characters are dead-lettered, and printable ones make a release of
     * their own. The report equals the replay's (whose groups are keyed by objects, not strings).
     */
    @Test
    void shouldNotLetANameHoldingASeparatorReachAnotherReleasesNumbers() throws IOException {
        TestOutputTopic<byte[], byte[]> dlq = driver.createOutputTopic(config.topics().deadLetter(),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        TestOutputTopic<String, byte[]> metrics = driver.createOutputTopic(config.topics().metrics(),
                new StringDeserializer(), new ByteArrayDeserializer());
        long t0 = 1_700_000_000_000L;
        List<byte[]> sent = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            sent.add(chunk("m0-qwen", "r1-base", "real" + i, 3 + i % 5, t0 + i));
        }
        int forged = 0;
        int deadLetters = 0;
        for (String sep : new String[] {"\\u0000", "\\u001f", "@", "|"}) {
            boolean control = sep.startsWith("\\");
            sent.add(chunk("m0-qwen" + sep + "r1-base", "zzz", "forged-a" + forged++, 2, t0 + 100));
            sent.add(chunk("m0-qwen", "r1-base" + sep + "zzz", "forged-b" + forged++, 2, t0 + 100));
            sent.add(chunk("m0-qwen" + sep, "r1-base", "forged-c" + forged++, 2, t0 + 100));
            deadLetters += control ? 3 : 0;
        }
        for (byte[] line : sent) {
            tokens.pipeInput(rolloutIdOf(line), line);
        }
        driver.advanceWallClockTime(Duration.ofSeconds(6));
        List<TestRecord<byte[], byte[]>> letters = dlq.readRecordsToList();
        assertEquals(deadLetters, letters.size());
        for (TestRecord<byte[], byte[]> letter : letters) {
            assertEquals("invalid_name", new String(letter.headers().lastHeader("canopy.reason").value(), StandardCharsets.UTF_8));
        }
        Path file = stateDir.resolve("sent.jsonl");
        Files.write(file, sent.stream().map(b -> new String(b, StandardCharsets.UTF_8)).toList());
        assertEquals(replayReport(file), streamingReport());
        String real = streamingReport().replaceAll("\\s", "");
        assertTrue(real.contains("{\"model\":\"m0-qwen\",\"release\":\"r1-base\",\"rollouts\":24,"), real);
        // the window of the real release counts its own 24 rollouts, whatever the forged names did
        List<String> windows = metrics.readValuesToList().stream().map(b -> new String(b, StandardCharsets.UTF_8))
                .filter(m -> m.contains("\"closed\":false")).toList();
        String realWindow = windows.stream().filter(m -> m.contains("\"model\":\"m0-qwen\",\"release\":\"r1-base\""))
                .reduce((a, b) -> b).orElseThrow();
        assertTrue(realWindow.contains("\"rollouts\":24"), realWindow);
    }

    private static byte[] chunk(String model, String release, String id, int n, long ts) {
        StringBuilder sb = new StringBuilder("{\"model\":\"" + model + "\",\"release\":\"" + release + "\",\"rollout_id\":\"" + id
                + "\",\"prompt_id\":\"p\",\"final\":true,\"finish_reason\":\"stop\",\"timestamp\":" + ts + ",\"tokens\":[");
        for (int p = 0; p < n; p++) {
            sb.append(p == 0 ? "" : ",").append("{\"position\":").append(p).append(",\"entropy\":").append(1.0 + 0.1 * p).append('}');
        }
        return sb.append("]}").toString().getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void shouldDeadLetterAndCountARecordBeyondTheFinalPositionOfACompletedRollout() throws IOException {
        TestOutputTopic<byte[], byte[]> dlq = driver.createOutputTopic(config.topics().deadLetter(),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        byte[] done = chunk("m", "r", "x", 3, 1_700_000_000_000L);
        byte[] retry = "{\"model\":\"m\",\"release\":\"r\",\"rollout_id\":\"x\",\"position\":2,\"entropy\":1}".getBytes(StandardCharsets.UTF_8);
        byte[] late = "{\"model\":\"m\",\"release\":\"r\",\"rollout_id\":\"x\",\"position\":7,\"entropy\":1}".getBytes(StandardCharsets.UTF_8);
        tokens.pipeInput("x".getBytes(StandardCharsets.UTF_8), done);
        tokens.pipeInput("x".getBytes(StandardCharsets.UTF_8), retry);
        tokens.pipeInput(null, late); // unkeyed: found after the re-partition by rollout
        tokens.pipeInput("x".getBytes(StandardCharsets.UTF_8), late);
        List<TestRecord<byte[], byte[]>> letters = dlq.readRecordsToList();
        assertEquals(2, letters.size(), "the retry is ignored, both late records are dead letters");
        for (TestRecord<byte[], byte[]> letter : letters) {
            assertTrue(Arrays.equals(late, letter.value()), "the original bytes are kept");
            assertEquals("x", new String(letter.key(), StandardCharsets.UTF_8), "keyed by the rollout id");
            assertEquals("beyond_final", new String(letter.headers().lastHeader("canopy.reason").value(), StandardCharsets.UTF_8));
            assertTrue(new String(letter.headers().lastHeader("canopy.detail").value(), StandardCharsets.UTF_8).contains("position 7"));
        }
        assertEquals(2L, driver.getKeyValueStore(StoreNames.REJECTIONS).get("beyond_final"));
        Path file = stateDir.resolve("late.jsonl");
        Files.write(file, List.of(new String(done, StandardCharsets.UTF_8), new String(retry, StandardCharsets.UTF_8),
                new String(late, StandardCharsets.UTF_8), new String(late, StandardCharsets.UTF_8)));
        driver.advanceWallClockTime(config.idleTimeout().plusMinutes(1));
        String replay = replayReport(file);
        assertTrue(replay.replaceAll("\\s", "").contains("\"beyond_final\":2"), replay);
        assertEquals(replay, streamingReport());
    }

    @Test
    void shouldApplyTheConfiguredInputLimits() throws IOException {
        MonitorConfig d = MonitorConfig.defaults();
        MonitorConfig strict = new MonitorConfig(d.topics(), d.statistics().withLimits(new dev.canopy.core.events.EventParser.Limits(10, 8)),
                d.idleTimeout(), d.windowSize(), d.windowAdvance(), d.windowGrace(), d.windowsKept(), d.shift(), d.semantic());
        Path dir = Files.createTempDirectory("canopy-ttd-limits");
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "canopy-test-limits");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "dummy:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, dir.toString());
        try (TopologyTestDriver limited = new TopologyTestDriver(CanopyTopology.build(strict, TopologyObserver.NONE), props)) {
            TestInputTopic<byte[], byte[]> in = limited.createInputTopic(strict.topics().tokens(), new ByteArraySerializer(), new ByteArraySerializer());
            TestOutputTopic<byte[], byte[]> dlq = limited.createOutputTopic(strict.topics().deadLetter(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
            in.pipeInput(null, "{\"model\":\"m\",\"release\":\"r\",\"rollout_id\":\"x\",\"position\":11,\"logprob\":-1}".getBytes(StandardCharsets.UTF_8));
            in.pipeInput(null, "{\"model\":\"123456789\",\"release\":\"r\",\"rollout_id\":\"x\",\"position\":0,\"logprob\":-1}".getBytes(StandardCharsets.UTF_8));
            in.pipeInput(null, "{\"model\":\"12345678\",\"release\":\"r\",\"rollout_id\":\"x\",\"position\":10,\"logprob\":-1}".getBytes(StandardCharsets.UTF_8));
            List<String> reasons = dlq.readRecordsToList().stream()
                    .map(r -> new String(r.headers().lastHeader("canopy.reason").value(), StandardCharsets.UTF_8)).toList();
            assertEquals(List.of("position_out_of_range", "name_too_long"), reasons);
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }
}
