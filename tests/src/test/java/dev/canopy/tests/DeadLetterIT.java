package dev.canopy.tests;

import com.fasterxml.jackson.databind.JsonNode;
import dev.canopy.core.events.RejectReason;
import dev.canopy.monitor.MonitorApp;
import dev.canopy.tests.support.Closeables;
import dev.canopy.tests.support.EventLog;
import dev.canopy.tests.support.Fleets;
import dev.canopy.tests.support.Kafka;
import dev.canopy.tests.support.Monitors;
import dev.canopy.tests.support.Reports;
import dev.canopy.tests.support.TestTopics;
import dev.canopy.testsupport.EmbeddedBroker;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * One record per reject reason, interleaved with a clean fleet's records, reaches the dead-letter topic
 * with its reason, its original key and bytes and where it came from; the report counts each reason
 * once; and every valid record around them is still measured.
 */
class DeadLetterIT {

    private static final TestTopics TOPICS = TestTopics.prefixed("dlq");
    private static final int PARTITIONS = 3;

    @TempDir
    static Path tmp;
    @RegisterExtension
    static final EmbeddedBroker BROKER = new EmbeddedBroker();
    private static MonitorApp monitor;
    private static EventLog events;
    /** Where each crafted reject was written, by reason. */
    private static final Map<RejectReason, RecordMetadata> WRITTEN = new EnumMap<>(RejectReason.class);
    private static final Map<RejectReason, EventLog.Event> REJECTS = new EnumMap<>(RejectReason.class);
    private static String streamed;

    /**
     * One violation per reason (the cases of EventParserTest). Those that name a rollout reuse the id
     * (and key) of a valid rollout of the fleet, which must complete regardless.
     */
    private static Map<RejectReason, EventLog.Event> rejects(String validRolloutId) {
        String head = "\"model\":\"mistral-7b\",\"release\":\"v1\",\"rollout_id\":\"" + validRolloutId + "\"";
        Map<RejectReason, String> json = new EnumMap<>(RejectReason.class);
        json.put(RejectReason.NOT_JSON, "{\"model\":");
        json.put(RejectReason.NOT_OBJECT, "[1,2]");
        json.put(RejectReason.MISSING_FIELD, "{\"release\":\"v1\",\"rollout_id\":\"" + validRolloutId + "\",\"position\":0,\"logprob\":-1}");
        json.put(RejectReason.WRONG_TYPE, "{" + head + ",\"position\":\"3\",\"logprob\":-1}");
        json.put(RejectReason.EMPTY_STRING, "{\"model\":\"mistral-7b\",\"release\":\"\",\"rollout_id\":\"" + validRolloutId + "\",\"position\":0,\"logprob\":-1}");
        json.put(RejectReason.NEGATIVE_POSITION, "{" + head + ",\"position\":-1,\"logprob\":-1}");
        json.put(RejectReason.POSITION_OUT_OF_RANGE, "{" + head + ",\"position\":4194304,\"logprob\":-1}");
        json.put(RejectReason.INVALID_LOGPROB, "{" + head + ",\"position\":0,\"logprob\":0.5}");
        json.put(RejectReason.INVALID_ENTROPY, "{" + head + ",\"position\":1,\"entropy\":-1}");
        json.put(RejectReason.INVALID_TOP_LOGPROBS, "{" + head + ",\"position\":2,\"top_logprobs\":[]}");
        json.put(RejectReason.NO_ENTROPY_SOURCE, "{" + head + ",\"position\":0,\"final\":true,\"finish_reason\":\"stop\"}");
        json.put(RejectReason.INVALID_CHUNK, "{" + head + ",\"tokens\":[],\"final\":true}");
        json.put(RejectReason.INVALID_NAME, "{\"model\":\"mistral-7b\\u0000v1\",\"release\":\"zzz\",\"rollout_id\":\"" + validRolloutId
                + "\",\"position\":0,\"logprob\":-1}");
        json.put(RejectReason.NAME_TOO_LONG, "{\"model\":\"" + "m".repeat(10_000) + "\",\"release\":\"v1\",\"rollout_id\":\"" + validRolloutId
                + "\",\"position\":0,\"logprob\":-1}");
        // sent after every valid record, when the rollout it names has completed
        json.put(RejectReason.BEYOND_FINAL, "{" + head + ",\"position\":4194303,\"logprob\":-1,\"final\":true}");
        assertEquals(Arrays.asList(RejectReason.values()), new ArrayList<>(json.keySet()), "one crafted record per reject reason");
        Map<RejectReason, EventLog.Event> out = new EnumMap<>(RejectReason.class);
        json.forEach((reason, value) -> {
            // not_json comes without key (a null key must survive into the dead-letter topic); the rest keyed by the rollout
            byte[] key = reason == RejectReason.NOT_JSON ? null
                    : reason == RejectReason.NOT_OBJECT ? "not-an-object".getBytes(StandardCharsets.UTF_8)
                    : validRolloutId.getBytes(StandardCharsets.UTF_8);
            out.put(reason, new EventLog.Event(key, value.getBytes(StandardCharsets.UTF_8)));
        });
        return out;
    }

    @BeforeAll
    static void produceRejectsBetweenValidRecords() {
        monitor = Monitors.startReady(Monitors.settings(BROKER.bootstrapServers(), "dead-letters", tmp.resolve("state"), TOPICS,
                Map.of("canopy.topic.partitions", Integer.toString(PARTITIONS)), Map.of()));
        EventLog valid = EventLog.of(Fleets.clean(53, "dlq-", 3, 8).build());
        String victim = valid.events().get(0).keyString();
        REJECTS.putAll(rejects(victim));
        // a reject after every few valid records, so that valid records come before, between and after them
        List<EventLog.Event> all = new ArrayList<>();
        List<RejectReason> order = new ArrayList<>(REJECTS.keySet());
        order.remove(RejectReason.BEYOND_FINAL);
        int every = valid.size() / (order.size() + 1);
        List<Integer> rejectIndex = new ArrayList<>();
        for (int i = 0; i < valid.size(); i++) {
            all.add(valid.events().get(i));
            int r = i / every;
            if (i % every == every - 1 && r < order.size()) {
                rejectIndex.add(all.size());
                all.add(REJECTS.get(order.get(r)));
            }
        }
        assertEquals(order.size(), rejectIndex.size());
        order.add(RejectReason.BEYOND_FINAL);
        rejectIndex.add(all.size());
        all.add(REJECTS.get(RejectReason.BEYOND_FINAL));
        events = EventLog.of(all);
        List<RecordMetadata> written = Kafka.send(BROKER.bootstrapServers(), TOPICS.tokens(), events);
        for (int r = 0; r < order.size(); r++) {
            WRITTEN.put(order.get(r), written.get(rejectIndex.get(r)));
        }
        streamed = Monitors.awaitReport(monitor.httpPort(), Reports.totals(events.replayJson()), Duration.ofSeconds(120));
    }

    @AfterAll
    static void stop() {
        Closeables.closeAll(monitor);
    }

    @Test
    void shouldCountEveryReasonOnceAndMeasureEveryValidRollout() {
        JsonNode report = Reports.parse(streamed);
        Map<String, Long> byReason = new TreeMap<>();
        report.path("rejected_by_reason").properties().forEach(f -> byReason.put(f.getKey(), f.getValue().asLong()));
        Map<String, Long> once = new TreeMap<>();
        for (RejectReason r : RejectReason.values()) {
            once.put(r.code(), 1L);
        }
        assertEquals(once, byReason);
        assertEquals(RejectReason.values().length, report.path("rejected").asLong());
        assertEquals(48, Reports.totals(report).rollouts(), "every valid rollout measured, the one sharing its id with rejects too");
        assertEquals(0, report.path("abandoned").asLong());
        Reports.assertEquivalent(events.replayJson(), streamed);
    }

    @Test
    void shouldDeadLetterEachRejectWithItsReasonOriginalBytesAndSource() {
        List<ConsumerRecord<byte[], byte[]>> letters = Kafka.readCommitted(BROKER.bootstrapServers(), TOPICS.deadLetter(), Duration.ofSeconds(30));
        assertEquals(RejectReason.values().length, letters.size(), "one dead letter per crafted reject");
        Map<RejectReason, ConsumerRecord<byte[], byte[]>> byReason = new EnumMap<>(RejectReason.class);
        for (ConsumerRecord<byte[], byte[]> letter : letters) {
            List<String> reasons = Kafka.headers(letter, "canopy.reason");
            assertEquals(1, reasons.size(), "exactly one canopy.reason header: " + reasons);
            RejectReason reason = RejectReason.fromCode(reasons.get(0));
            assertFalse(byReason.containsKey(reason), "a second dead letter for " + reason);
            byReason.put(reason, letter);
        }
        for (RejectReason reason : RejectReason.values()) {
            ConsumerRecord<byte[], byte[]> letter = byReason.get(reason);
            assertNotNull(letter, "no dead letter for " + reason.code());
            EventLog.Event sent = REJECTS.get(reason);
            RecordMetadata source = WRITTEN.get(reason);
            String what = reason.code() + ": ";
            assertArrayEquals(sent.value(), letter.value(), what + "original value bytes");
            assertArrayEquals(sent.key(), letter.key(), what + "original key");
            assertEquals(List.of(TOPICS.tokens()), Kafka.headers(letter, "canopy.source.topic"), what + "source topic");
            assertEquals(List.of(Integer.toString(source.partition())), Kafka.headers(letter, "canopy.source.partition"), what + "source partition");
            assertEquals(List.of(Long.toString(source.offset())), Kafka.headers(letter, "canopy.source.offset"), what + "source offset");
            List<String> detail = Kafka.headers(letter, "canopy.detail");
            assertEquals(1, detail.size(), what + "one canopy.detail header");
            assertFalse(detail.get(0) == null || detail.get(0).isBlank(), what + "a detail that names the problem");
        }
    }
}
