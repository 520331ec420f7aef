package dev.canopy.tests;

import com.fasterxml.jackson.databind.JsonNode;
import dev.canopy.core.events.EventWriter;
import dev.canopy.monitor.MonitorApp;
import dev.canopy.tests.support.Closeables;
import dev.canopy.tests.support.EventLog;
import dev.canopy.tests.support.Http;
import dev.canopy.tests.support.Kafka;
import dev.canopy.tests.support.Monitors;
import dev.canopy.tests.support.Poll;
import dev.canopy.tests.support.Reports;
import dev.canopy.tests.support.TestTopics;
import dev.canopy.testsupport.EmbeddedBroker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A release whose cumulative accumulator outgrows Kafka's default 1 MiB record limit: 100,000 one-token
 * rollouts over 64 prompts keep about 1,560 (N, r) pairs per prompt, some 2 MB in one
 * {@code canopy-groups} record. The monitor must write it to its changelog and keep running (with the
 * client and topic defaults, the producer refuses it and the stream thread dies), and the report must
 * still equal the replay of the same events. The groups changelog exists beforehand with the 1 MiB limit, as
 * a state written by an older Canopy leaves it: the monitor raises it when it starts.
 */
class LargeAccumulatorIT {

    private static final TestTopics TOPICS = TestTopics.prefixed("large");
    private static final String APPLICATION_ID = "large-accumulator";
    private static final int ROLLOUTS = 100_000;
    private static final int PROMPTS = 64;
    private static final int ONE_MIB = 1 << 20;

    @TempDir
    static Path tmp;
    @RegisterExtension
    static final EmbeddedBroker BROKER = new EmbeddedBroker();
    private static MonitorApp monitor;
    private static EventLog events;
    private static String streamed;

    @BeforeAll
    static void streamManyRolloutsOfFewPrompts() throws Exception {
        // The groups changelog as an older Canopy left it: created by Kafka Streams with the 1 MiB default.
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, BROKER.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(APPLICATION_ID + "-canopy-groups-changelog", 2, (short) 1)
                    .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                            TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(ONE_MIB + 12))))).all().get();
        }
        monitor = Monitors.startReady(Monitors.settings(BROKER.bootstrapServers(), APPLICATION_ID, tmp.resolve("state"), TOPICS,
                Map.of("canopy.topic.partitions", "2"), Map.of()));
        events = oneTokenRollouts();
        Kafka.send(BROKER.bootstrapServers(), TOPICS.tokens(), events);
        streamed = Monitors.awaitReport(monitor.httpPort(), Reports.totals(events.replayJson()), Duration.ofSeconds(240));
    }

    /** One record per rollout (position 0, final), prompts in turn, log-probabilities spread so rates differ. */
    private static EventLog oneTokenRollouts() {
        SplittableRandom random = new SplittableRandom(20261206L);
        List<EventLog.Event> out = new ArrayList<>(ROLLOUTS);
        long t0 = 1_780_000_000_000L;
        for (int i = 0; i < ROLLOUTS; i++) {
            String id = "large-" + i;
            EventWriter.Rollout rollout = new EventWriter.Rollout("big-model", "r1", id, "p" + (i % PROMPTS));
            double logprob = -random.nextDouble(0.01, 6.0);
            byte[] value = EventWriter.token(rollout, new EventWriter.Step(0, logprob, Double.NaN, null, null),
                    new EventWriter.Tail(true, "stop", t0 + i));
            out.add(new EventLog.Event(id.getBytes(StandardCharsets.UTF_8), value));
        }
        return EventLog.of(out);
    }

    @AfterAll
    static void stop() {
        Closeables.closeAll(monitor);
    }

    @Test
    void shouldReportEveryRolloutAsTheReplayDoes() {
        JsonNode report = Reports.parse(streamed);
        assertEquals(ROLLOUTS, Reports.group(report, "big-model", "r1").path("rollouts").asLong());
        Reports.assertEquivalent(events.replayJson(), streamed);
    }

    @Test
    void shouldStayReadyAfterWritingTheLargeRecord() throws Exception {
        assertEquals(200, Http.get(monitor.httpPort(), "/readyz").status(), "the stream thread survived the large write");
    }

    @Test
    void shouldRaiseTheRecordLimitOfEveryAccumulatorChangelog() throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, BROKER.bootstrapServers()))) {
            for (String store : List.of("canopy-groups", "canopy-window-slices", "canopy-windows")) {
                ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, APPLICATION_ID + "-" + store + "-changelog");
                Config config = admin.describeConfigs(List.of(topic)).all().get().get(topic);
                assertEquals(Integer.toString(64 << 20), config.get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG).value(), topic.name());
            }
        }
    }

    @Test
    void shouldHaveWrittenAGroupRecordAboveTheDefaultLimit() {
        // The accumulator is written every few seconds, so its last, largest version may follow the report.
        int largest = Poll.until("a canopy-groups changelog record above 1 MiB", Duration.ofSeconds(60),
                () -> Kafka.readCommitted(BROKER.bootstrapServers(), APPLICATION_ID + "-canopy-groups-changelog",
                                Duration.ofSeconds(30)).stream()
                        .mapToInt(r -> r.value() == null ? 0 : r.value().length).max().orElse(0),
                size -> size > ONE_MIB, size -> "largest so far " + size + " B");
        assertTrue(largest > ONE_MIB);
    }
}
