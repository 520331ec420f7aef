package dev.canopy.topology;

import dev.canopy.core.assembly.CompletedRollout;
import dev.canopy.core.events.EventParser;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The assembler alone, with its idle-expiry punctuator fired by hand. */
class AssembleProcessorTest {

    private final MockProcessorContext<String, CompletedRollout> context = new MockProcessorContext<>();
    private final AssembleProcessor processor = new AssembleProcessor(Duration.ofMinutes(10), TopologyObserver.NONE);
    private final EventParser parser = new EventParser();
    private KeyValueStore<String, byte[]> store;

    @BeforeEach
    void init() {
        store = org.apache.kafka.streams.state.Stores.keyValueStoreBuilder(
                        org.apache.kafka.streams.state.Stores.inMemoryKeyValueStore(Stores.IN_FLIGHT), Serdes.String(), Serdes.ByteArray())
                .withLoggingDisabled().build();
        store.init(context.getStateStoreContext(), store);
        context.addStateStore(store);
        processor.init(context);
    }

    private void feed(String rollout, int position, String extra, long wallClock) {
        context.setCurrentSystemTimeMs(wallClock);
        byte[] json = ("{\"model\":\"m\",\"release\":\"r\",\"rollout_id\":\"" + rollout + "\",\"position\":" + position
                + ",\"logprob\":-1" + extra + "}").getBytes(StandardCharsets.UTF_8);
        processor.process(new Record<>(rollout.getBytes(StandardCharsets.UTF_8), new Routed(json, parser.parse(json)), 42L));
    }

    @Test
    void shouldExpireOnlyRolloutsIdleLongerThanTheTimeoutAsAbandoned() {
        feed("idle", 0, "", 0);
        feed("idle", 1, "", 1_000);
        feed("busy", 0, "", 500_000);
        assertEquals(2, store.approximateNumEntries());
        assertEquals(1, context.scheduledPunctuators().size());
        context.scheduledPunctuators().get(0).getPunctuator().punctuate(601_001);
        List<MockProcessorContext.CapturedForward<? extends String, ? extends CompletedRollout>> out = context.forwarded();
        assertEquals(1, out.size());
        CompletedRollout abandoned = out.get(0).record().value();
        assertTrue(abandoned.abandoned());
        assertEquals("idle", abandoned.rolloutId());
        assertEquals(2, abandoned.length());
        assertEquals("m\u0000r", out.get(0).record().key());
        assertEquals(1, store.approximateNumEntries(), "the busy rollout stays in flight");
    }

    @Test
    void shouldForwardACompletedRolloutKeyedByModelAndRelease() {
        feed("a", 1, ",\"final\":true,\"finish_reason\":\"stop\"", 0);
        assertTrue(context.forwarded().isEmpty());
        feed("a", 0, "", 1);
        CompletedRollout done = context.forwarded().get(0).record().value();
        assertEquals(2, done.length());
        assertEquals(2.0, done.entropySum());
        assertEquals(42L, done.completedAt(), "event time falls back to the Kafka record timestamp");
        assertTrue(dev.canopy.core.assembly.RolloutState.isCompletedMarker(store.get("a")), "a completed marker stays");
        feed("a", 0, "", 2);
        assertEquals(1, context.forwarded().size(), "a late retry is ignored");
        context.scheduledPunctuators().get(0).getPunctuator().punctuate(601_001);
        assertEquals(1, context.forwarded().size(), "the spent marker goes without an abandoned rollout");
        assertEquals(0, store.approximateNumEntries());
    }
}
