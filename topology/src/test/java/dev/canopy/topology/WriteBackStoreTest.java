package dev.canopy.topology;

import dev.canopy.core.assembly.RolloutState;
import dev.canopy.core.events.Estimator;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Values are changed as objects and reach their store, and so its changelog, at each commit (here: rollouts in flight). */
class WriteBackStoreTest {

    private KeyValueStore<String, byte[]> inner;
    private WriteBackStore<RolloutState> store;

    @BeforeEach
    void open() {
        MockProcessorContext<String, byte[]> context = new MockProcessorContext<>();
        inner = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(StoreNames.IN_FLIGHT), Serdes.String(), Serdes.ByteArray())
                .withLoggingDisabled().build();
        store = new WriteBackStore<>(inner, RolloutState::toBytes, RolloutState::fromBytes);
        store.init(context.getStateStoreContext(), store);
    }

    private static RolloutState state(int steps) {
        RolloutState s = new RolloutState("m", "r", "p");
        for (int i = 0; i < steps; i++) {
            s.addStep(i, 0.5 + i, 1.0 + i, Estimator.EXACT);
        }
        s.touch(1_000L + steps, 2_000L + steps);
        return s;
    }

    @Test
    void aChangedStateIsTheSameObjectUntilTheCommitWritesIt() {
        RolloutState s = state(3);
        store.put("a", s);
        assertSame(s, store.get("a"));
        assertNull(inner.get("a"), "nothing written before the commit");
        s.addStep(3, 0.25, 0.5, Estimator.EXACT);
        store.put("a", s);
        assertEquals(1, store.changedCount());

        store.flushCache();
        assertEquals(0, store.changedCount());
        assertArrayEquals(s.toBytes(), inner.get("a"), "the last state, encoded once");
        RolloutState read = store.get("a");
        assertArrayEquals(s.toBytes(), read.toBytes(), "read back from the store after the commit");
    }

    @Test
    void uncommittedChangesAreDroppedWithTheTransaction() {
        store.put("a", state(2));
        store.flushCache();
        byte[] committed = inner.get("a");
        store.put("a", state(5));
        store.put("b", state(1));
        store.clearCache();
        assertArrayEquals(committed, store.get("a").toBytes(), "the committed state again");
        assertNull(store.get("b"));
        store.flushCache();
        assertArrayEquals(committed, inner.get("a"));
        assertNull(inner.get("b"));
    }

    @Test
    void aCompletionMarkerOrADeletionReplacesAChangedState() {
        store.put("done", state(4));
        store.putNow("done", RolloutState.completedMarker(5_000L, 3));
        store.put("gone", state(2));
        store.delete("gone");
        assertEquals(0, store.changedCount(), "the marker and the deletion replaced the changed states");
        assertTrue(RolloutState.isCompletedMarker(inner.get("done")));
        assertTrue(store.get("done").isCompletedMarker());
        store.flushCache();
        assertTrue(RolloutState.isCompletedMarker(inner.get("done")), "the commit does not write the older state over the marker");
        assertNull(inner.get("gone"));

        store.put("live", state(1));
        assertEquals(1, store.changedCount());
        assertNull(inner.get("live"), "not written before the commit");
        assertNull(inner.get("unknown"));
    }

    @Test
    void aScanSeesTheChangedStates() {
        store.put("a", state(1));
        store.flushCache();
        RolloutState a = state(6);
        store.put("a", a);
        store.put("b", state(2));
        List<KeyValue<String, byte[]>> all = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = store.all()) {
            it.forEachRemaining(all::add);
        }
        assertEquals(List.of("a", "b"), all.stream().map(kv -> kv.key).toList());
        assertArrayEquals(a.toBytes(), all.get(0).value);
    }

    @Test
    void kafkaStreamsCommitsWriteTheChangedStates(@TempDir Path stateDir) {
        // The whole topology under TopologyTestDriver, which commits its task after every record as a stream
        // thread does at its commit interval: if Kafka Streams did not flush this store in a commit, the state
        // would stay in the object map, outside the store and its changelog.
        MonitorConfig config = MonitorConfig.defaults();
        Properties props = CanopyTopologyTest.driverProperties(stateDir);
        try (TopologyTestDriver driver = new TopologyTestDriver(CanopyTopology.build(config, TopologyObserver.NONE), props,
                Instant.ofEpochMilli(1_700_000_000_000L))) {
            TestInputTopic<byte[], byte[]> tokens = driver.createInputTopic(config.topics().tokens(), new ByteArraySerializer(), new ByteArraySerializer());
            String id = "r-1";
            for (int position = 0; position < 3; position++) {
                tokens.pipeInput(id.getBytes(StandardCharsets.UTF_8), ("{\"model\":\"m\",\"release\":\"r\",\"rollout_id\":\"" + id
                        + "\",\"prompt_id\":\"p\",\"position\":" + position + ",\"entropy\":1.5}").getBytes(StandardCharsets.UTF_8));
            }
            @SuppressWarnings("unchecked")
            WriteBackStore<RolloutState> s = (WriteBackStore<RolloutState>) driver.getStateStore(StoreNames.IN_FLIGHT);
            assertNotNull(s, "the store is the assembler's own type");
            assertEquals(0, s.changedCount(), "the commit wrote the changed state");
            RolloutState written = RolloutState.fromBytes(s.wrapped().get(id));
            assertEquals(3, written.positionsSeen());

            // a completed rollout reaches the shift detector, whose statistics are written the same way
            tokens.pipeInput("r-2".getBytes(StandardCharsets.UTF_8), ("{\"model\":\"m\",\"release\":\"r\",\"rollout_id\":\"r-2\","
                    + "\"prompt_id\":\"p\",\"position\":0,\"entropy\":1.5,\"final\":true}").getBytes(StandardCharsets.UTF_8));
            @SuppressWarnings("unchecked")
            WriteBackStore<dev.canopy.core.shift.ShiftStats> shift =
                    (WriteBackStore<dev.canopy.core.shift.ShiftStats>) driver.getStateStore(StoreNames.SHIFT_STATS);
            assertEquals(0, shift.changedCount(), "the commit wrote the shift statistics");
            assertEquals(1, dev.canopy.core.shift.ShiftStats.fromBytes(shift.wrapped().get(GroupKeys.of("m", "r"))).rollouts());
        }
    }
}
