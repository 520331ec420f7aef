package dev.canopy.tests;

import dev.canopy.core.events.EventWriter;
import dev.canopy.monitor.MonitorApp;
import dev.canopy.tests.support.Closeables;
import dev.canopy.tests.support.EventLog;
import dev.canopy.tests.support.Http;
import dev.canopy.tests.support.Kafka;
import dev.canopy.tests.support.Monitors;
import dev.canopy.tests.support.Poll;
import dev.canopy.tests.support.TestTopics;
import dev.canopy.testsupport.EmbeddedBroker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A record the broker refuses puts the monitor in a loop of failing stream threads: the completed-rollouts
 * topic accepts no record as large as a rollout, so each replacement thread reads the rollout again
 * (exactly-once: nothing was committed), fails to write it and is replaced in turn, and Kafka Streams is
 * RUNNING between the failures. {@code /readyz} must answer 503 with the cause all through the loop while
 * {@code /healthz} stays 200; once the topic accepts the record, the next thread commits and {@code /readyz}
 * answers 200 again, before the failures add up to the limit that stops the monitor.
 */
class ThreadFailureLoopIT {

    private static final TestTopics TOPICS = TestTopics.prefixed("loop");
    private static final String FAILURES = "canopy_stream_thread_failures_total";

    @TempDir
    Path tmp;
    @RegisterExtension
    static final EmbeddedBroker BROKER = new EmbeddedBroker();
    private MonitorApp monitor;

    @AfterEach
    void stop() {
        Closeables.closeAll(monitor);
    }

    @Test
    void shouldNotBeReadyWhileStreamThreadsKeepFailingAndBeReadyOnceProcessingResumes() throws Exception {
        String rollouts = TOPICS.settings().get("canopy.topic.rollouts");
        try (Admin admin = admin()) {
            // room for a transaction marker (about 80 bytes: the failed transactions must still abort), none for a rollout
            admin.createTopics(List.of(new NewTopic(rollouts, 1, (short) 1)
                    .configs(Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, "200")))).all().get();
        }
        monitor = Monitors.startReady(Monitors.settings(BROKER.bootstrapServers(), "thread-loop", tmp.resolve("state"), TOPICS,
                Map.of("canopy.topic.partitions", "1"), Map.of()));
        int port = monitor.httpPort();
        Kafka.send(BROKER.bootstrapServers(), TOPICS.tokens(), oneRollout());

        Poll.until("a stream thread to fail on the refused record", Duration.ofSeconds(30), () -> failures(port) >= 1);
        List<Http.Response> loop = new ArrayList<>();
        Poll.until("a replaced thread to fail again, and /readyz to answer while Kafka Streams is RUNNING", Duration.ofSeconds(40), () -> {
            Http.Response ready = Http.get(port, "/readyz");
            assertEquals(503, ready.status(), "not ready while stream threads keep failing: " + ready.body());
            assertTrue(ready.body().contains("\"reason\":\"stream thread failed"), ready.body());
            loop.add(ready);
            return failures(port) >= 2 && loop.stream().anyMatch(r -> r.body().contains("\"streams\":\"RUNNING\""));
        });
        String stalled = loop.stream().map(Http.Response::body).filter(b -> b.contains("\"streams\":\"RUNNING\"")).findFirst().orElseThrow();
        assertTrue(stalled.matches("\\{\"ready\":false,\"streams\":\"RUNNING\",\"reason\":\"stream thread failed (once|\\d times) in the last"
                + " 10 minutes, last \\d+ s ago: RecordTooLargeException \\(.*\\); not ready until processing resumes\"}\\s*"), stalled);
        assertEquals(200, Http.get(port, "/healthz").status(), "a monitor that replaces its threads stays alive");

        try (Admin admin = admin()) {
            admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, rollouts), List.of(new AlterConfigOp(
                    new ConfigEntry(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(1 << 20)), AlterConfigOp.OpType.SET)))).all().get();
        }
        Poll.until("/readyz to answer 200 once a thread commits", Duration.ofSeconds(40), () -> Http.get(port, "/readyz").ok());
        assertEquals(KafkaStreams.State.RUNNING, monitor.state());
        assertFalse(monitor.failure().isDone(), "the failures stayed below the limit");
        List<ConsumerRecord<byte[], byte[]>> written = Kafka.readCommitted(BROKER.bootstrapServers(), rollouts, Duration.ofSeconds(30));
        assertEquals(1, written.size(), "the rollout was written once processing resumed");
    }

    private static Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, BROKER.bootstrapServers()));
    }

    private static double failures(int port) throws Exception {
        return Http.sample(Http.getOk(port, "/metrics"), FAILURES, Map.of()).orElse(0);
    }

    /** One complete one-token rollout, keyed by its id. */
    private static EventLog oneRollout() {
        EventWriter.Rollout rollout = new EventWriter.Rollout("loop-model", "r1", "loop-0", "p0");
        byte[] value = EventWriter.token(rollout, new EventWriter.Step(0, -0.7, Double.NaN, null, null),
                new EventWriter.Tail(true, "stop", System.currentTimeMillis()));
        return EventLog.of(List.of(new EventLog.Event("loop-0".getBytes(StandardCharsets.UTF_8), value)));
    }
}
