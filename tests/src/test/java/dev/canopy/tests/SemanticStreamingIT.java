package dev.canopy.tests;

import com.fasterxml.jackson.databind.JsonNode;
import dev.canopy.monitor.MonitorApp;
import dev.canopy.tests.support.Closeables;
import dev.canopy.tests.support.EventLog;
import dev.canopy.tests.support.Fleets;
import dev.canopy.tests.support.Http;
import dev.canopy.tests.support.Kafka;
import dev.canopy.tests.support.Monitors;
import dev.canopy.tests.support.Poll;
import dev.canopy.tests.support.Reports;
import dev.canopy.tests.support.TestTopics;
import dev.canopy.testsupport.EmbeddedBroker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Semantic diversity on a real broker with the real embedding model: a simulated fleet whose events
 * carry token text (two models x two releases, prompt sets, shuffled, retries, malformed records, null
 * keys) goes through the monitor with canopy.semantic.enabled, and its report's semantic blocks equal
 * those of {@code canopy replay --semantic} on the same records. The 240 rollouts are published at
 * once against a budget of 8 embeddings a second: the burst waits in the backlog instead of being
 * dropped, and the answer is still replay's.
 */
class SemanticStreamingIT {

    private static final TestTopics TOPICS = TestTopics.prefixed("semantic");
    private static final int PARTITIONS = 3;
    /** Embeddings a second: the 240 rollouts take 30 s of budget, far more than publishing and assembling them. */
    private static final int BUDGET = 8;

    @TempDir
    static Path tmp;
    @RegisterExtension
    static final EmbeddedBroker BROKER = new EmbeddedBroker();
    private static MonitorApp monitor;
    private static EventLog events;
    private static JsonNode expected;
    private static JsonNode streamed;

    @BeforeAll
    static void produceTextFleetAndAwaitEverySemanticOutcome() throws Exception {
        events = EventLog.of(Fleets.twoModelsTwoReleases(17, "sem-", 6, 10).text(true).build()).orderInsensitive(PARTITIONS);
        expected = Reports.parse(events.replaySemanticJson());
        monitor = Monitors.startReady(Monitors.settings(BROKER.bootstrapServers(), "semantic-it", tmp.resolve("state"), TOPICS,
                Map.of("canopy.topic.partitions", Integer.toString(PARTITIONS), "canopy.semantic.enabled", "true",
                        "canopy.semantic.max.rate", Integer.toString(BUDGET)), Map.of()));
        Kafka.send(BROKER.bootstrapServers(), TOPICS.tokens(), events);
        streamed = Reports.awaitSemantic(monitor.httpPort(), expected, Duration.ofSeconds(180));
    }

    @AfterAll
    static void stop() {
        Closeables.closeAll(monitor);
    }

    @Test
    void shouldMeasureTheSameSemanticDiversityAsReplay() {
        assertEquals(4, expected.path("groups").size());
        for (JsonNode e : expected.path("groups")) {
            assertEquals(6, e.path("semantic").path("prompts").asInt(), "replay measured 6 prompts: " + e.path("semantic"));
        }
        Reports.assertSameSemantic(expected, streamed);
    }

    @Test
    void shouldEmbedEveryRolloutWithTextOfABurstBeyondTheBudgetAfterWaiting() {
        for (JsonNode g : streamed.path("groups")) {
            JsonNode c = g.path("semantic").path("rollouts");
            assertEquals(0, c.path("not_sampled").asLong(), "10 rollouts a prompt fit the sample of 32: " + c);
            assertEquals(0, c.path("over_budget").asLong(), "the budget delays the burst, it drops nothing: " + c);
            assertEquals(0, c.path("without_text").asLong(), "the simulated events carry text: " + c);
            assertEquals(g.path("rollouts").asLong(), c.path("embedded").asLong());
        }
    }

    @Test
    void shouldKeepTheRestOfTheReportAsReplayHasIt() {
        Reports.assertEquivalent(Reports.parse(events.replayJson()), Reports.withoutSemantic(streamed), "report without its semantic blocks");
    }

    private static boolean exportsExpectedDiversity(String exposition) {
        for (JsonNode e : expected.path("groups")) {
            Map<String, String> labels = Map.of("model", e.path("model").asText(), "release", e.path("release").asText());
            java.util.OptionalDouble d = Http.sample(exposition, "canopy_semantic_diversity", labels);
            if (d.isEmpty() || Math.abs(d.getAsDouble() - e.path("semantic").path("diversity").asDouble()) > 1e-9) {
                return false;
            }
        }
        return true;
    }

    @Test
    void shouldExportTheSemanticSeries() throws Exception {
        // the exported series are refreshed every 2 s from the stores: wait for the refresh after the last rollout
        String exposition = Poll.until("/metrics to carry the final semantic diversity of every release", Duration.ofSeconds(30),
                () -> Http.getOk(monitor.httpPort(), "/metrics"), SemanticStreamingIT::exportsExpectedDiversity);
        for (JsonNode e : expected.path("groups")) {
            Map<String, String> labels = Map.of("model", e.path("model").asText(), "release", e.path("release").asText());
            Map<String, String> pearson = new java.util.HashMap<>(labels);
            pearson.put("method", "pearson");
            assertEquals(e.path("semantic").path("diversity_entropy_rate").path("pearson").asDouble(),
                    Http.sample(exposition, "canopy_semantic_diversity_entropy_rate_correlation", pearson).orElseThrow(), 1e-9, labels.toString());
            assertEquals(e.path("semantic").path("vendi").asDouble(),
                    Http.sample(exposition, "canopy_semantic_vendi_score", labels).orElseThrow(), 1e-9, labels.toString());
        }
        assertTrue(Http.sample(exposition, "canopy_semantic_embedding_seconds_count", Map.of()).orElseThrow() >= 1);
    }
}
