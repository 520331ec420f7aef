package dev.canopy.topology;

import dev.canopy.core.stats.GroupAccumulator;
import dev.canopy.core.stats.GroupKey;
import dev.canopy.testsupport.InMemoryStores;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NewestWindowsTest {

    private static final long MINUTE = 60_000L;

    private final KeyValueStore<String, byte[]> store =
            InMemoryStores.keyValue(new MockProcessorContext<String, byte[]>(), StoreNames.WINDOWS);

    private void put(String model, String release, long end, boolean provisional) {
        String group = GroupKeys.of(model, release);
        long slot = provisional ? AggregateProcessor.PROVISIONAL : end;
        store.put(GroupKeys.timed(group, slot), new WindowValue(end - 60 * MINUTE, end, !provisional,
                new GroupAccumulator(16, 16)).toBytes());
    }

    @Test
    void shouldPickEachGroupsProvisionalWindowOrElseItsNewestClosedOne() {
        for (int i = 1; i <= 50; i++) {
            put("m", "v1", i * MINUTE, false);
            put("m", "v2", i * MINUTE, false);
            put("m\u00ff", "v1", i * MINUTE, false);
        }
        put("m", "v1", 52 * MINUTE, true);
        put("a", "only-provisional", 3 * MINUTE, true);

        Map<GroupKey, WindowValue> newest = StoreReports.newestWindows(store, java.util.List.of(new GroupKey("m", "v1"),
                new GroupKey("m", "v2"), new GroupKey("m\u00ff", "v1"), new GroupKey("a", "only-provisional"),
                new GroupKey("m", "no-windows-yet")));

        assertEquals(4, newest.size(), newest.keySet().toString());
        WindowValue v1 = newest.get(new GroupKey("m", "v1"));
        assertEquals(52 * MINUTE, v1.end());
        assertFalse(v1.closed(), "the provisional window");
        WindowValue v2 = newest.get(new GroupKey("m", "v2"));
        assertEquals(50 * MINUTE, v2.end());
        assertTrue(v2.closed(), "no provisional window: the newest closed one");
        assertEquals(50 * MINUTE, newest.get(new GroupKey("m\u00ff", "v1")).end(), "a model sorting after the others");
        assertEquals(3 * MINUTE, newest.get(new GroupKey("a", "only-provisional")).end());
    }

    @Test
    void shouldAnswerAnEmptyStoreWithNoWindows() {
        assertTrue(StoreReports.newestWindows(store, java.util.List.of(new GroupKey("m", "v1"))).isEmpty());
    }
}
