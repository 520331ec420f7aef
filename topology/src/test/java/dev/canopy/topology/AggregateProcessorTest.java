package dev.canopy.topology;

import dev.canopy.core.assembly.CompletedRollout;
import dev.canopy.core.stats.GroupKey;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The aggregate on its own: its in-memory stores (provisional windows, emitted metrics) are not restored from a
 * changelog, so a task that starts on restored state fills them before its first emit; and its emits keep to
 * their share of the stream thread's time.
 */
class AggregateProcessorTest {

    private static final List<String> RESTORED = List.of(StoreNames.GROUPS, StoreNames.PENDING, StoreNames.SLICES, StoreNames.WINDOWS);
    private static final List<String> IN_MEMORY = List.of(StoreNames.PROVISIONAL_WINDOWS, StoreNames.RELEASE_METRICS);

    private final MonitorConfig config = MonitorConfig.defaults();
    private final Map<String, KeyValueStore<String, byte[]>> restored = new HashMap<>();

    private static KeyValueStore<String, byte[]> store(String name, MockProcessorContext<String, byte[]> context) {
        KeyValueStore<String, byte[]> store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(name), Serdes.String(), Serdes.ByteArray())
                .withLoggingDisabled().build();
        store.init(context.getStateStoreContext(), store);
        return store;
    }

    /** A task on the state restored so far (the same restored stores, fresh in-memory ones). */
    private AggregateProcessor startTask(MockProcessorContext<String, byte[]> context) {
        return startTask(context, System::nanoTime);
    }

    private AggregateProcessor startTask(MockProcessorContext<String, byte[]> context, LongSupplier nanoTime) {
        return startTask(context, nanoTime, TopologyObserver.NONE);
    }

    private AggregateProcessor startTask(MockProcessorContext<String, byte[]> context, LongSupplier nanoTime, TopologyObserver observer) {
        for (String name : RESTORED) {
            context.addStateStore(restored.computeIfAbsent(name, n -> store(n, context)));
        }
        for (String name : IN_MEMORY) {
            context.addStateStore(store(name, context));
        }
        AggregateProcessor p = new AggregateProcessor(config, observer, nanoTime);
        p.init(context);
        return p;
    }

    @Test
    void shouldFillTheEmittedMetricsAndTheProvisionalWindowWhenTheTaskStarts() {
        long t0 = 1_700_000_000_000L;
        MockProcessorContext<String, byte[]> first = new MockProcessorContext<>();
        first.setCurrentSystemTimeMs(t0 + 3_600_000L);
        AggregateProcessor before = startTask(first);
        for (int i = 0; i < 40; i++) {
            String release = i % 2 == 0 ? "v1" : "v2";
            int length = 4 + (i * 5) % 23;
            double rate = 0.8 + 0.05 * (i % 7);
            CompletedRollout r = new CompletedRollout("m", release, "r" + i, "p" + (i % 3), length, rate * length, rate * length + 1,
                    "stop", length, 0, 0, t0 + i * 60_000L, false);
            before.process(new Record<>(GroupKeys.of("m", release), r, r.completedAt()));
        }
        before.emit(t0);
        for (int i = 40; i < 44; i++) { // and some pending, not folded yet
            String release = i % 2 == 0 ? "v1" : "v2";
            CompletedRollout r = new CompletedRollout("m", release, "r" + i, "p0", 9, 7.0, 8.0, "stop", 9, 0, 0, t0 + i * 60_000L, false);
            before.process(new Record<>(GroupKeys.of("m", release), r, r.completedAt()));
        }
        before.emit(t0 + 5_000);
        Map<GroupKey, ReleaseMetrics> emitted = StoreReports.releaseMetrics(first.getStateStore(StoreNames.RELEASE_METRICS));
        assertEquals(2, emitted.size());

        MockProcessorContext<String, byte[]> second = new MockProcessorContext<>();
        startTask(second); // init only: no emit yet

        Map<GroupKey, ReleaseMetrics> started = StoreReports.releaseMetrics(second.getStateStore(StoreNames.RELEASE_METRICS));
        assertEquals(emitted.keySet(), started.keySet(), "every release, before the first emit");
        for (GroupKey key : emitted.keySet()) {
            ReleaseMetrics a = emitted.get(key);
            ReleaseMetrics b = started.get(key);
            ReleaseMetricsTest.assertSameMetrics(a.cumulative(), b.cumulative());
            assertEquals(a.lastSeen(), b.lastSeen());
            assertNotNull(b.newest(), "the newest window");
            assertEquals(a.newest().end(), b.newest().end());
            assertTrue(!b.newest().closed(), "the provisional one");
            ReleaseMetricsTest.assertSameMetrics(a.newest().metrics(), b.newest().metrics());
            KeyValueStore<String, byte[]> closed = second.getStateStore(StoreNames.WINDOWS);
            List<WindowValue> windows = StoreReports.windows(closed, second.getStateStore(StoreNames.PROVISIONAL_WINDOWS), key);
            assertTrue(!windows.get(windows.size() - 1).closed(), "the API sees the provisional window again");
        }
        assertTrue(first.forwarded().size() > 0 && second.forwarded().isEmpty(), "starting forwards nothing");
    }

    private static CompletedRollout rollout(String release, int i, long t0) {
        int length = 4 + (i * 5) % 23;
        double rate = 0.8 + 0.05 * (i % 7);
        return new CompletedRollout("m", release, "r" + i, "p" + (i % 3), length, rate * length, rate * length + 1,
                "stop", length, 0, 0, t0 + i * 1_000L, false);
    }

    @Test
    void shouldWaitAfterASlowEmitSoThatEmitsTakeAtMostTheirBudget() {
        long t0 = 1_700_000_000_000L;
        MockProcessorContext<String, byte[]> context = new MockProcessorContext<>();
        context.setCurrentSystemTimeMs(t0);
        // every reading of this clock is 2 s after the one before: each emit "takes" 2 s
        AtomicLong clock = new AtomicLong();
        List<Double> emits = new java.util.ArrayList<>();
        AggregateProcessor p = startTask(context, () -> clock.addAndGet(2_000_000_000L), new TopologyObserver() {
            @Override
            public void metricsEmitted(double seconds) {
                emits.add(seconds);
            }
        });
        p.process(new Record<>(GroupKeys.of("m", "v1"), rollout("v1", 0, t0), t0));
        p.emit(t0);
        int first = context.forwarded().size();
        assertTrue(first > 0, "the first emit sends the release's metrics");

        // 2 s at a 10% budget: the next emit waits 18 s; the punctuations in between send nothing
        p.process(new Record<>(GroupKeys.of("m", "v1"), rollout("v1", 1, t0), t0));
        p.emit(t0 + 5_000);
        p.emit(t0 + 10_000);
        p.emit(t0 + 15_000);
        assertEquals(first, context.forwarded().size(), "no emit within 18 s of a 2 s one");
        assertEquals(List.of(2.0), emits, "each emit's time is reported, the skipped punctuations are not emits");
        p.emit(t0 + 20_000);
        assertTrue(context.forwarded().size() > first, "then the next one, with the changes of the meantime");
        String last = new String(context.forwarded().get(first).record().value(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(last.contains("\"rollouts\":2"), last);
    }

    @Test
    void shouldEmitAtEveryPunctuationWhileEmitsAreCheap() {
        assertEquals(1_000L, AggregateProcessor.nextEmit(1_000L, 0), "an instant emit delays nothing");
        assertEquals(1_000L + 900L, AggregateProcessor.nextEmit(1_000L, 100), "100 ms: 10% of 1 s");
    }
}
