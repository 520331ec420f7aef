package dev.canopy.topology;

import dev.canopy.core.assembly.CompletedRollout;
import dev.canopy.core.stats.GroupAccumulator;
import dev.canopy.core.stats.GroupKey;
import dev.canopy.core.stats.GroupMetrics;
import org.junit.jupiter.api.Test;

import java.lang.reflect.RecordComponent;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The stored form of a release's emitted metrics keeps every figure but the per-prompt list, bit for bit. */
class ReleaseMetricsTest {

    private static final GroupKey KEY = new GroupKey("chat-model", "r-ü/2");

    /** Every component of two metrics equal (arrays by content, doubles by bits), the per-prompt list aside. */
    static void assertSameMetrics(GroupMetrics expected, GroupMetrics actual) {
        for (RecordComponent c : GroupMetrics.class.getRecordComponents()) {
            if (c.getName().equals("perPrompt")) {
                continue;
            }
            try {
                Object e = c.getAccessor().invoke(expected);
                Object a = c.getAccessor().invoke(actual);
                if (e instanceof double[] d) {
                    assertArrayEquals(d, (double[]) a, 0.0, c.getName());
                } else {
                    assertEquals(e, a, c.getName());
                }
            } catch (ReflectiveOperationException ex) {
                throw new AssertionError(ex);
            }
        }
    }

    private static GroupAccumulator rollouts(int n) {
        GroupAccumulator acc = new GroupAccumulator(64, 10);
        for (int i = 0; i < n; i++) {
            int length = 3 + (i * 13) % 40;
            double rate = 0.5 + 0.01 * ((i * 7) % 17);
            acc.add(new CompletedRollout(KEY.model(), KEY.release(), "r" + i, "p" + (i % 4), length, rate * length,
                    rate * length + 2, i % 5 == 0 ? "length" : "stop", length, 0, 0, 1_000L + i, i % 9 == 0));
        }
        return acc;
    }

    @Test
    void shouldRoundTripTheCumulativeAndTheNewestWindow() {
        GroupAccumulator acc = rollouts(200);
        GroupMetrics cumulative = GroupMetrics.of(KEY, acc);
        GroupMetrics window = GroupMetrics.of(KEY, rollouts(30));
        ReleaseMetrics stored = new ReleaseMetrics(acc.firstSeen(), acc.lastSeen(), cumulative,
                new ReleaseMetrics.Window(500, 1_500, false, window));

        ReleaseMetrics back = ReleaseMetrics.fromBytes(stored.toBytes());

        assertEquals(1_000L, back.firstSeen());
        assertEquals(acc.lastSeen(), back.lastSeen());
        assertSameMetrics(cumulative, back.cumulative());
        assertEquals(KEY, back.cumulative().key());
        assertEquals(List.of(), back.cumulative().perPrompt(), "the per-prompt list is not kept");
        assertTrue(cumulative.perPrompt().size() == 4, "the original had one entry per prompt");
        assertEquals(1_500, back.newest().end());
        assertEquals(500, back.newest().start());
        assertTrue(!back.newest().closed());
        assertSameMetrics(window, back.newest().metrics());
    }

    @Test
    void shouldKeepUndefinedValuesAndAMissingWindow() {
        GroupAccumulator one = rollouts(1); // one rollout: the correlations and intervals are undefined (NaN)
        GroupMetrics m = GroupMetrics.of(KEY, one);
        assertTrue(Double.isNaN(m.lengthEntropyRate().pearson()));

        ReleaseMetrics back = ReleaseMetrics.fromBytes(new ReleaseMetrics(one.firstSeen(), one.lastSeen(), m, null).toBytes());

        assertSameMetrics(m, back.cumulative());
        assertNull(back.newest());
    }

    @Test
    void shouldPreferTheLaterWindowAndTheProvisionalOneAtTheSameEnd() {
        ReleaseMetrics.Window closed = new ReleaseMetrics.Window(0, 10, true, null);
        ReleaseMetrics.Window open = new ReleaseMetrics.Window(0, 10, false, null);
        ReleaseMetrics.Window later = new ReleaseMetrics.Window(5, 15, true, null);
        assertEquals(closed, ReleaseMetrics.Window.newer(null, closed));
        assertEquals(open, ReleaseMetrics.Window.newer(closed, open));
        assertEquals(open, ReleaseMetrics.Window.newer(open, closed));
        assertEquals(later, ReleaseMetrics.Window.newer(open, later));
        assertEquals(later, ReleaseMetrics.Window.newer(later, closed));
    }
}
