package dev.canopy.topology;

import dev.canopy.core.assembly.RolloutState;
import dev.canopy.core.assembly.CompletedRollout;
import dev.canopy.core.events.EventParser;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The assembler alone, with its idle-expiry punctuator fired by hand. */
class AssembleProcessorTest {

    private final MockProcessorContext<String, Finished> context = new MockProcessorContext<>();
    private final AssembleProcessor processor = new AssembleProcessor(Duration.ofMinutes(10), TopologyObserver.NONE, 12);
    private final EventParser parser = new EventParser(dev.canopy.core.entropy.StepEntropy.DEFAULT_VOCABULARY_SIZE, true);
    private KeyValueStore<String, byte[]> store;
    private KeyValueStore<String, byte[]> texts;

    private WriteBackStore<RolloutState> inFlight;

    @BeforeEach
    void init() {
        store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(StoreNames.IN_FLIGHT), Serdes.String(), Serdes.ByteArray())
                .withLoggingDisabled().build();
        inFlight = new WriteBackStore<>(store, RolloutState::toBytes, RolloutState::fromBytes);
        inFlight.init(context.getStateStoreContext(), inFlight);
        context.addStateStore(inFlight);
        texts = memoryStore(StoreNames.TEXTS_IN_FLIGHT);
        processor.init(context);
    }

    private KeyValueStore<String, byte[]> memoryStore(String name) {
        KeyValueStore<String, byte[]> s = Stores.keyValueStoreBuilder(
                        Stores.inMemoryKeyValueStore(name), Serdes.String(), Serdes.ByteArray())
                .withLoggingDisabled().build();
        s.init(context.getStateStoreContext(), s);
        context.addStateStore(s);
        return s;
    }

    /** The store of rollouts in flight as a commit leaves it. */
    private KeyValueStore<String, byte[]> committed() {
        inFlight.flushCache();
        return store;
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
        assertEquals(2, committed().approximateNumEntries());
        assertEquals(1, context.scheduledPunctuators().size());
        context.scheduledPunctuators().get(0).getPunctuator().punctuate(601_001);
        List<MockProcessorContext.CapturedForward<? extends String, ? extends Finished>> out = context.forwarded();
        assertEquals(1, out.size());
        CompletedRollout abandoned = out.get(0).record().value().rollout();
        assertTrue(abandoned.abandoned());
        assertEquals("idle", abandoned.rolloutId());
        assertEquals(2, abandoned.length());
        assertEquals("m\u0000r", out.get(0).record().key());
        assertEquals(1, committed().approximateNumEntries(), "the busy rollout stays in flight");
    }

    @Test
    void shouldForwardACompletedRolloutKeyedByModelAndRelease() {
        feed("a", 1, ",\"final\":true,\"finish_reason\":\"stop\"", 0);
        assertTrue(context.forwarded().isEmpty());
        feed("a", 0, "", 1);
        CompletedRollout done = context.forwarded().get(0).record().value().rollout();
        assertEquals("", context.forwarded().get(0).record().value().text(), "no text in the events: empty text");
        assertEquals(2, done.length());
        assertEquals(2.0, done.entropySum());
        assertEquals(42L, done.completedAt(), "event time falls back to the Kafka record timestamp");
        assertTrue(dev.canopy.core.assembly.RolloutState.isCompletedMarker(committed().get("a")), "a completed marker stays");
        feed("a", 0, "", 2);
        assertEquals(1, context.forwarded().size(), "a late retry is ignored");
        context.scheduledPunctuators().get(0).getPunctuator().punctuate(601_001);
        assertEquals(1, context.forwarded().size(), "the spent marker goes without an abandoned rollout");
        assertEquals(0, committed().approximateNumEntries());
    }

    @Test
    void shouldKeepTextWithinItsBudgetAndDropItWhenTheRolloutEnds() {
        feed("t", 1, ",\"text\":\" world\"", 0);
        feed("t", 0, ",\"text\":\"Hello\"", 1);
        feed("t", 0, ",\"text\":\"Howdy\"", 2);
        assertEquals(1, texts.approximateNumEntries(), "one entry per rollout");
        feed("t", 2, ",\"text\":\" and more\",\"final\":true,\"finish_reason\":\"stop\"", 3);
        Finished f = context.forwarded().get(0).record().value();
        assertEquals("Hello world", f.text(), "the first piece of a position wins; a piece beyond 12 characters is dropped");
        assertEquals(0, texts.approximateNumEntries(), "the text leaves the store with the completed rollout");
        feed("t", 2, ",\"text\":\"!\",\"final\":true,\"finish_reason\":\"stop\"", 4);
        assertEquals(0, texts.approximateNumEntries(), "a retry after completion keeps no text");

        feed("gone", 0, ",\"text\":\"Bye\"", 5);
        feed("gone:1", 0, ",\"text\":\"Other\"", 5);
        assertEquals(2, texts.approximateNumEntries());
        feed("gone:1", 1, ",\"text\":\" one\",\"final\":true,\"finish_reason\":\"stop\"", 6);
        assertEquals("Other one", context.forwarded().get(1).record().value().text(),
                "a rollout id that extends another keeps its own text");
        assertEquals(1, texts.approximateNumEntries(), "and leaves the other's alone");
        context.scheduledPunctuators().get(0).getPunctuator().punctuate(601_006);
        Finished abandoned = context.forwarded().get(2).record().value();
        assertTrue(abandoned.rollout().abandoned());
        assertEquals(null, abandoned.text());
        assertEquals(0, texts.approximateNumEntries(), "an abandoned rollout's text is deleted");
    }

    @Test
    void shouldForwardARecordBeyondACompletedRolloutAsADeadLetterAndTellTheObserver() {
        List<String> rejected = new java.util.ArrayList<>();
        AssembleProcessor counting = new AssembleProcessor(Duration.ofMinutes(10), new TopologyObserver() {
            @Override
            public void eventRejected(String reason) {
                rejected.add(reason);
            }
        }, 0);
        MockProcessorContext<String, Finished> ctx = new MockProcessorContext<>();
        KeyValueStore<String, byte[]> s = Stores.keyValueStoreBuilder(
                        Stores.inMemoryKeyValueStore(StoreNames.IN_FLIGHT), Serdes.String(), Serdes.ByteArray())
                .withLoggingDisabled().build();
        WriteBackStore<RolloutState> wrapped = new WriteBackStore<>(s, RolloutState::toBytes, RolloutState::fromBytes);
        wrapped.init(ctx.getStateStoreContext(), wrapped);
        ctx.addStateStore(wrapped);
        counting.init(ctx);
        ctx.setCurrentSystemTimeMs(0);
        for (String json : new String[] {
                "{\"model\":\"m\",\"release\":\"r\",\"rollout_id\":\"z\",\"position\":0,\"logprob\":-1,\"final\":true}",
                "{\"model\":\"m\",\"release\":\"r\",\"rollout_id\":\"z\",\"position\":0,\"logprob\":-1}",
                "{\"model\":\"m\",\"release\":\"r\",\"rollout_id\":\"z\",\"position\":3,\"logprob\":-1}"}) {
            byte[] b = json.getBytes(StandardCharsets.UTF_8);
            counting.process(new Record<>("z".getBytes(StandardCharsets.UTF_8), new Routed(b, parser.parse(b)), 42L));
        }
        assertEquals(List.of("beyond_final"), rejected, "the retry within the rollout is not counted, the late record is");
        assertEquals(2, ctx.forwarded().size());
        Finished letter = ctx.forwarded().get(1).record().value();
        assertTrue(letter.isRejected());
        assertEquals("z", ctx.forwarded().get(1).record().key());
        assertEquals("beyond_final", new String(ctx.forwarded().get(1).record().headers().lastHeader("canopy.reason").value(), StandardCharsets.UTF_8));
    }

    @Test
    void shouldPaceMassExpiryInBoundedStepsAndStillExpireEveryRollout() {
        MockProcessorContext<String, Finished> ctx = new MockProcessorContext<>();
        AssembleProcessor paced = new AssembleProcessor(Duration.ofMinutes(10), TopologyObserver.NONE, 0, 100);
        KeyValueStore<String, byte[]> inFlight = Stores.keyValueStoreBuilder(
                        Stores.inMemoryKeyValueStore(StoreNames.IN_FLIGHT), Serdes.String(), Serdes.ByteArray())
                .withLoggingDisabled().build();
        WriteBackStore<RolloutState> wrapped = new WriteBackStore<>(inFlight, RolloutState::toBytes, RolloutState::fromBytes);
        wrapped.init(ctx.getStateStoreContext(), wrapped);
        ctx.addStateStore(wrapped);
        paced.init(ctx);
        ctx.setCurrentSystemTimeMs(0);
        int idle = 250;
        for (int i = 0; i < idle; i++) {
            byte[] json = ("{\"model\":\"m\",\"release\":\"r\",\"rollout_id\":\"idle-" + i + "\",\"position\":0,\"logprob\":-1}")
                    .getBytes(StandardCharsets.UTF_8);
            paced.process(new Record<>(null, new Routed(json, parser.parse(json)), 42L));
        }
        // a completed rollout's marker is due too, and counts against the same bound
        for (String json : new String[] {
                "{\"model\":\"m\",\"release\":\"r\",\"rollout_id\":\"done\",\"position\":0,\"logprob\":-1,\"final\":true,\"finish_reason\":\"stop\"}"}) {
            byte[] b = json.getBytes(StandardCharsets.UTF_8);
            paced.process(new Record<>(null, new Routed(b, parser.parse(b)), 42L));
        }
        assertEquals(1, ctx.forwarded().size(), "the completed rollout");
        ctx.resetForwards();
        assertEquals(1, ctx.scheduledPunctuators().size());
        assertEquals(AssembleProcessor.CATCH_UP, ctx.scheduledPunctuators().get(0).getInterval());
        var punctuator = ctx.scheduledPunctuators().get(0).getPunctuator();

        long t = 601_000;
        punctuator.punctuate(t);
        assertEquals(99, ctx.forwarded().size(), "one step: 100 deletions, the marker and 99 abandoned rollouts");
        assertEquals(idle + 1 - 100, inFlight.approximateNumEntries());
        punctuator.punctuate(t += 1_000);
        assertEquals(199, ctx.forwarded().size(), "a backlog goes on a second later, not at the next regular scan");
        punctuator.punctuate(t += 1_000);
        assertEquals(idle, ctx.forwarded().size(), "every idle rollout expires, each once");
        assertEquals(0, inFlight.approximateNumEntries());
        java.util.Set<String> ids = new java.util.HashSet<>();
        ctx.forwarded().forEach(f -> {
            assertTrue(f.record().value().rollout().abandoned());
            ids.add(f.record().value().rollout().rolloutId());
        });
        assertEquals(idle, ids.size());

        // without a backlog, the store is scanned only at the regular interval (idle timeout / 4, at most 30 s)
        ctx.resetForwards();
        ctx.setCurrentSystemTimeMs(t - 595_000);
        byte[] late = "{\"model\":\"m\",\"release\":\"r\",\"rollout_id\":\"late\",\"position\":0,\"logprob\":-1}".getBytes(StandardCharsets.UTF_8);
        paced.process(new Record<>(null, new Routed(late, parser.parse(late)), 42L));
        punctuator.punctuate(t + 10_000);
        assertEquals(0, ctx.forwarded().size(), "due since t + 5 s, but the regular scan is not yet");
        punctuator.punctuate(t + 30_000);
        assertEquals(1, ctx.forwarded().size());
    }
}
