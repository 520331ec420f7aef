package dev.canopy.tests;

import com.fasterxml.jackson.databind.JsonNode;
import dev.canopy.monitor.MonitorApp;
import dev.canopy.tests.support.Closeables;
import dev.canopy.tests.support.EventLog;
import dev.canopy.tests.support.Fleets;
import dev.canopy.tests.support.Kafka;
import dev.canopy.tests.support.Monitors;
import dev.canopy.tests.support.Reports;
import dev.canopy.tests.support.TestTopics;
import dev.canopy.testsupport.EmbeddedBroker;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two monitor instances on one application id split the six partitions; each answers the report for
 * both. When one stops in the middle of the stream, the other takes its partitions over and ends with
 * exactly the replay's report. Semantic diversity is on: each release's semantic results live in one
 * instance, and either instance's report carries all of them, equal to replay --semantic.
 */
class TwoInstancesIT {

    private static final TestTopics TOPICS = TestTopics.prefixed("pair");
    private static final int PARTITIONS = 6;
    private static final String APPLICATION_ID = "two-instances";

    @TempDir
    static Path tmp;
    @RegisterExtension
    static final EmbeddedBroker BROKER = new EmbeddedBroker();
    private static MonitorApp first;
    private static MonitorApp second;

    @AfterAll
    static void stop() {
        Closeables.closeAll(second, first);
    }

    private static MonitorApp start(String name) {
        // A stopped instance's group membership ends with its session: 6 s instead of the default 45 s.
        return Monitors.startReady(Monitors.settings(BROKER.bootstrapServers(), APPLICATION_ID, tmp.resolve(name), TOPICS,
                Map.of("canopy.topic.partitions", Integer.toString(PARTITIONS), "canopy.semantic.enabled", "true",
                        "canopy.semantic.max.rate", "1000000"),
                Map.of("session.timeout.ms", "6000", "heartbeat.interval.ms", "1500")));
    }

    @Test
    void shouldAnswerTheWholeReportFromEitherInstanceAndSurviveTheStopOfOne() throws Exception {
        EventLog before = EventLog.of(Fleets.twoModelsTwoReleases(31, "pair-a-", 4, 20).text(true).build()).orderInsensitive(PARTITIONS);
        EventLog during = EventLog.of(Fleets.twoModelsTwoReleases(37, "pair-b-", 4, 20).text(true).build()).orderInsensitive(PARTITIONS);
        String expectedBefore = before.replayJson();
        String expectedAll = before.plus(during).replayJson();
        // the same prompts in both halves: 40 rollouts a prompt and release, so the 32-rollout samples evict
        JsonNode semanticBefore = Reports.parse(before.replaySemanticJson());
        JsonNode semanticAll = Reports.parse(before.plus(during).replaySemanticJson());

        first = start("first");
        second = start("second");
        Monitors.awaitReady(first.httpPort());
        Kafka.send(BROKER.bootstrapServers(), TOPICS.tokens(), before);
        for (MonitorApp app : List.of(first, second)) {
            JsonNode report = Reports.awaitSemantic(app.httpPort(), semanticBefore, Duration.ofSeconds(120));
            Reports.assertEquivalent(Reports.parse(expectedBefore), Reports.withoutSemantic(report), "the report of instance on port " + app.httpPort());
            Reports.assertSameSemantic(semanticBefore, report);
        }

        // Stop the second instance while the rest of the stream is being produced.
        int chunks = 8;
        int chunk = (during.size() + chunks - 1) / chunks;
        CountDownLatch firstChunkSent = new CountDownLatch(1);
        CountDownLatch stopping = new CountDownLatch(1);
        CompletableFuture<Void> producing = CompletableFuture.runAsync(() -> {
            try (KafkaProducer<byte[], byte[]> producer = Kafka.producer(BROKER.bootstrapServers())) {
                for (int from = 0; from < during.size(); from += chunk) {
                    Kafka.send(producer, TOPICS.tokens(), during.slice(from, Math.min(during.size(), from + chunk)).events());
                    if (from == 0) {
                        firstChunkSent.countDown();
                        await(stopping);
                    }
                }
            }
        });
        assertTrue(firstChunkSent.await(60, TimeUnit.SECONDS), "first chunk produced");
        stopping.countDown();
        second.close();
        second = null;
        producing.get(60, TimeUnit.SECONDS);

        JsonNode survivor = Reports.awaitSemantic(first.httpPort(), semanticAll, Duration.ofSeconds(120));
        Reports.assertEquivalent(Reports.parse(expectedAll), Reports.withoutSemantic(survivor), "the survivor's report");
        Reports.assertSameSemantic(semanticAll, survivor);
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(60, TimeUnit.SECONDS)) {
                throw new AssertionError("latch not released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
