package dev.canopy.tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.canopy.core.report.ReportJson;
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

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The streaming monitor, fed a simulated fleet (two models x two releases, prompt sets, every
 * estimator, shuffled, with retries, ~1% malformed records and some null keys) through a real broker,
 * reports exactly what {@code canopy replay} reports on the same records.
 */
class StreamingEqualsReplayIT {

    private static final TestTopics TOPICS = TestTopics.prefixed("equals");
    private static final int PARTITIONS = 3;

    @TempDir
    static Path tmp;
    @RegisterExtension
    static final EmbeddedBroker BROKER = new EmbeddedBroker();
    private static MonitorApp monitor;
    private static EventLog events;
    private static String expected;
    private static String streamed;

    @BeforeAll
    static void produceFleetAndAwaitEveryRollout() {
        events = EventLog.of(Fleets.twoModelsTwoReleases(11, "eq-", 5, 24).build()).orderInsensitive(PARTITIONS);
        expected = events.replayJson();
        // one-second slices, so the provisional window is refreshed every second
        monitor = Monitors.startReady(Monitors.settings(BROKER.bootstrapServers(), "equals-replay", tmp.resolve("state"), TOPICS,
                Map.of("canopy.topic.partitions", Integer.toString(PARTITIONS), "canopy.window.advance", "1s", "canopy.window.size", "1m"), Map.of()));
        Kafka.send(BROKER.bootstrapServers(), TOPICS.tokens(), events);
        streamed = Monitors.awaitReport(monitor.httpPort(), Reports.totals(expected), Duration.ofSeconds(120));
    }

    @AfterAll
    static void stop() {
        Closeables.closeAll(monitor);
    }

    @Test
    void shouldFeedTheMonitorEveryKindOfDeliveryFault() {
        assertTrue(events.nullKeys() > 0, "some records without key");
        assertTrue(events.malformed() > 0, "some malformed records");
        assertTrue(events.duplicateSteps() > 0, "some producer retries");
        Reports.Totals totals = Reports.totals(expected);
        assertEquals(480, totals.rollouts(), "every rollout completes");
        assertEquals(0, totals.abandoned());
        assertEquals(events.malformed(), totals.rejected());
    }

    @Test
    void shouldReportOverHttpWhatReplayReportsOnTheSameRecords() {
        Reports.assertEquivalent(expected, streamed);
    }

    @Test
    void shouldReportInProcessWhatItServesOverHttp() throws Exception {
        Reports.assertEquivalent(expected, ReportJson.toJson(monitor.queries().report()));
    }

    @Test
    void shouldAnswerHealthAndReadinessOnceRunning() throws Exception {
        Http.Response ready = Http.get(monitor.httpPort(), "/readyz");
        assertEquals(200, ready.status(), ready.body());
        assertTrue(ready.body().contains("RUNNING"), ready.body());
        Http.Response health = Http.get(monitor.httpPort(), "/healthz");
        assertEquals(200, health.status(), health.body());
    }

    @Test
    void shouldServeTheWindowsOfARelease() {
        JsonNode group = Reports.group(Reports.parse(expected), "llama-3.1-8b-chat", "ft-2026-12-04");
        long rollouts = group.path("rollouts").asLong();
        assertTrue(rollouts > 0);
        String path = "/api/v1/windows?model=" + URLEncoder.encode("llama-3.1-8b-chat", StandardCharsets.UTF_8)
                + "&release=ft-2026-12-04";
        // The whole fleet completes within one minute, so the newest (provisional) one-minute window holds every rollout.
        JsonNode body = Poll.until("the newest window of llama-3.1-8b-chat@ft-2026-12-04 to hold all " + rollouts + " rollouts",
                Duration.ofSeconds(30), () -> Reports.parse(Http.getOk(monitor.httpPort(), path)),
                b -> b.path("windows").size() > 0 && last(b).path("rollouts").asLong() == rollouts);
        assertEquals("llama-3.1-8b-chat", body.path("model").asText());
        assertEquals("ft-2026-12-04", body.path("release").asText());
        for (JsonNode w : body.path("windows")) {
            assertEquals(60_000, w.path("window_end").asLong() - w.path("window_start").asLong(), w.toString());
        }
        JsonNode newest = last(body);
        assertFalse(newest.path("closed").asBoolean(), "the newest window is provisional");
        // Same rollouts, so the same metrics as the cumulative group (to summation order).
        ObjectNode fields = newest.deepCopy();
        fields.remove(List.of("window_start", "window_end", "closed"));
        Reports.assertEquivalent(group, fields, "the newest window");
    }

    private static JsonNode last(JsonNode windowsBody) {
        JsonNode w = windowsBody.path("windows");
        return w.get(w.size() - 1);
    }
}
