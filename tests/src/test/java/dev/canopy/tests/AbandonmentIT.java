package dev.canopy.tests;

import com.fasterxml.jackson.databind.JsonNode;
import dev.canopy.core.events.EventParser;
import dev.canopy.core.events.ParseResult;
import dev.canopy.core.events.TokenRecord;
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
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * With {@code canopy.idle.timeout=2s}, rollouts whose last records never come expire as abandoned,
 * counted per model and release as the replay counts them at its end, and the in-flight store drains:
 * the gauge {@code canopy_rollouts_in_flight} returns to 0 and the store's changelog ends in a
 * tombstone for every rollout it held.
 */
class AbandonmentIT {

    private static final TestTopics TOPICS = TestTopics.prefixed("idle");
    private static final int PARTITIONS = 3;
    private static final String APPLICATION_ID = "abandonment";
    private static final String IN_FLIGHT_GAUGE = "canopy_rollouts_in_flight";

    @TempDir
    static Path tmp;
    @RegisterExtension
    static final EmbeddedBroker BROKER = new EmbeddedBroker();
    private static MonitorApp monitor;
    private static EventLog events;
    /** model@release -> rollouts cut short. */
    private static final Map<String, Long> CUT = new TreeMap<>();
    private static final Set<String> CUT_IDS = new HashSet<>();
    private static final AtomicLong maxInFlightSeen = new AtomicLong(-1);
    private static String streamed;

    @BeforeAll
    static void produceSomeRolloutsWithoutTheirEnd() throws Exception {
        monitor = Monitors.startReady(Monitors.settings(BROKER.bootstrapServers(), APPLICATION_ID, tmp.resolve("state"), TOPICS,
                Map.of("canopy.topic.partitions", Integer.toString(PARTITIONS), "canopy.idle.timeout", "2s"), Map.of()));
        events = cutShort(EventLog.of(Fleets.clean(61, "idle-", 4, 10).build()));
        assertTrue(CUT.size() == 2 && CUT_IDS.size() > 4, "cut rollouts of both releases: " + CUT);

        // Sample the gauge while the stream runs, to see the store fill before it drains.
        AtomicBoolean sampling = new AtomicBoolean(true);
        CompletableFuture<Void> sampler = CompletableFuture.runAsync(() -> {
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (sampling.get() && System.nanoTime() < deadline) {
                try {
                    double v = Http.sample(Http.getOk(monitor.httpPort(), "/metrics"), IN_FLIGHT_GAUGE, Map.of()).orElse(-1);
                    maxInFlightSeen.accumulateAndGet((long) v, Math::max);
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                } catch (Exception e) {
                    // the next sample will tell
                }
            }
        });
        try {
            Kafka.send(BROKER.bootstrapServers(), TOPICS.tokens(), events);
            streamed = Monitors.awaitReport(monitor.httpPort(), Reports.totals(events.replayJson()), Duration.ofSeconds(60));
            Poll.until(IN_FLIGHT_GAUGE + " to return to 0", Duration.ofSeconds(30),
                    () -> Http.sample(Http.getOk(monitor.httpPort(), "/metrics"), IN_FLIGHT_GAUGE, Map.of()).orElse(-1), v -> v == 0);
        } finally {
            sampling.set(false);
            sampler.join();
        }
    }

    /**
     * Drops the last record (the one marked final) and the one before it of every fifth rollout that
     * has at least three records, so it never completes but has something in flight.
     */
    private static EventLog cutShort(EventLog log) {
        EventParser parser = new EventParser();
        Map<String, Integer> records = new HashMap<>();
        Map<String, String> group = new HashMap<>();
        List<String> order = new ArrayList<>();
        for (EventLog.Event e : log.events()) {
            TokenRecord r = parser.parse(e.value()).record();
            if (records.merge(r.rolloutId(), 1, Integer::sum) == 1) {
                order.add(r.rolloutId());
                group.put(r.rolloutId(), r.model() + "@" + r.release());
            }
        }
        for (int i = 0; i < order.size(); i += 5) {
            String id = order.get(i);
            if (records.get(id) >= 3) {
                CUT_IDS.add(id);
                CUT.merge(group.get(id), 1L, Long::sum);
            }
        }
        Map<String, Integer> seen = new HashMap<>();
        List<EventLog.Event> kept = new ArrayList<>();
        for (EventLog.Event e : log.events()) {
            ParseResult p = parser.parse(e.value());
            String id = p.record().rolloutId();
            int index = seen.merge(id, 1, Integer::sum);
            if (CUT_IDS.contains(id) && index > records.get(id) - 2) {
                continue;
            }
            kept.add(e);
        }
        return EventLog.of(kept);
    }

    @AfterAll
    static void stop() {
        Closeables.closeAll(monitor);
    }

    @Test
    void shouldCountCutRolloutsAsAbandonedPerRelease() {
        JsonNode report = Reports.parse(streamed);
        Map<String, Long> abandoned = new TreeMap<>();
        for (JsonNode g : report.path("groups")) {
            abandoned.put(g.path("model").asText() + "@" + g.path("release").asText(), g.path("abandoned").asLong());
        }
        assertEquals(CUT, abandoned);
        assertEquals(CUT_IDS.size(), report.path("abandoned").asLong());
        assertEquals(80 - CUT_IDS.size(), Reports.totals(report).rollouts(), "the other rollouts are measured");
    }

    @Test
    void shouldReportWhatReplayReportsWhereReplayAbandonsAtTheEnd() {
        Reports.assertEquivalent(events.replayJson(), streamed);
    }

    @Test
    void shouldDrainTheInFlightStore() {
        assertTrue(maxInFlightSeen.get() > 0, IN_FLIGHT_GAUGE + " never above 0 while the stream ran: " + maxInFlightSeen.get());
        // The store's changelog: the last record of every key it ever held is a tombstone.
        List<ConsumerRecord<byte[], byte[]>> changelog = Kafka.readCommitted(BROKER.bootstrapServers(),
                APPLICATION_ID + "-canopy-rollouts-in-flight-changelog", Duration.ofSeconds(30));
        Map<String, byte[]> latest = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : changelog) {
            latest.put(new String(r.key(), StandardCharsets.UTF_8), r.value());
        }
        assertTrue(latest.keySet().containsAll(CUT_IDS), "every cut rollout was in the store");
        latest.forEach((rollout, state) -> assertNull(state, "rollout " + rollout + " still in the in-flight store"));
    }
}
