package dev.canopy.core.assembly;

import dev.canopy.core.events.Estimator;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RolloutStateTest {

    private static RolloutState state() {
        return new RolloutState("m", "r", "p");
    }

    /** The size of the state without its positions record: what an in-order rollout costs. */
    private static int baseSize() {
        return state().toBytes().length;
    }

    @Test
    void shouldCostTheSameForOneTokenAtAHugePositionAsForOneNearby() {
        RolloutState far = state();
        far.addStep(4_194_303, 1.0, 1.0, Estimator.EXACT);
        far.markFinal(4_194_303, "stop");
        RolloutState near = state();
        near.addStep(5, 1.0, 1.0, Estimator.EXACT);
        near.markFinal(5, "stop");
        // one 12-byte word each; the dense record of before cost 8 bytes per 64 positions up to the position (512 KiB here)
        assertEquals(baseSize() + 12 + 4, far.toBytes().length);
        assertEquals(near.toBytes().length, far.toBytes().length);
        RolloutState back = RolloutState.fromBytes(far.toBytes());
        assertEquals(1, back.positionsSeen());
        assertFalse(back.isComplete());
        assertFalse(back.addStep(4_194_303, 9.0, 9.0, Estimator.EXACT), "the position is remembered");
    }

    @Test
    void shouldKeepStateProportionalToTokensReceivedWhateverTheirPositions() {
        RolloutState s = state();
        Random rnd = new Random(7);
        for (int i = 0; i < 1000; i++) {
            s.addStep(1 + rnd.nextInt(Integer.MAX_VALUE - 2), 1.0, 1.0, Estimator.EXACT);
        }
        assertTrue(s.toBytes().length <= baseSize() + 1000 * 12, "at most one 12-byte word per token: " + s.toBytes().length);
    }

    @Test
    void shouldAgreeWithADenseBitSetUnderAnyArrivalOrderAndSurviveTheBinaryForm() {
        Random rnd = new Random(11);
        for (int trial = 0; trial < 200; trial++) {
            int n = 1 + rnd.nextInt(trial < 100 ? 300 : 3000);
            List<Integer> order = new ArrayList<>();
            for (int p = 0; p < n; p++) {
                order.add(p);
                if (rnd.nextInt(10) == 0) {
                    order.add(p); // a retry
                }
            }
            // mostly shuffled within windows (chunk reordering), sometimes fully, sometimes reversed
            switch (trial % 3) {
                case 0 -> Collections.shuffle(order, rnd);
                case 1 -> Collections.reverse(order);
                default -> {
                    for (int i = 0; i < order.size(); i += 70) {
                        Collections.shuffle(order.subList(i, Math.min(order.size(), i + 70)), rnd);
                    }
                }
            }
            RolloutState s = state();
            s.markFinal(n - 1, "stop");
            BitSet seen = new BitSet();
            for (int i = 0; i < order.size(); i++) {
                int p = order.get(i);
                assertEquals(!seen.get(p), s.addStep(p, 0.5, 0.5, Estimator.EXACT), "trial " + trial + ", position " + p);
                seen.set(p);
                assertEquals(seen.cardinality(), s.positionsSeen());
                assertEquals(seen.cardinality() == n, s.isComplete());
                if (rnd.nextInt(25) == 0) {
                    s = RolloutState.fromBytes(s.toBytes());
                }
            }
            assertTrue(s.isComplete());
            assertEquals(0, s.aheadWords(), "a complete rollout holds no out-of-order words");
            assertEquals(n, s.toCompleted("x").length());
        }
    }

    @Test
    void shouldReadTheDenseFormOfEarlierVersions() {
        // version 2: ..., prefix, max, last, first word, sums, counts, times, word count, dense words from the first word
        byte[] m = "m".getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(1 + 4 * 4 + 3 + 4 * 4 + 8 * 4 + 4 * 3 + 8 * 2 + 4 + 8 * 3);
        b.put((byte) 2);
        b.putInt(1).put(m).putInt(1).put("r".getBytes(StandardCharsets.UTF_8)).putInt(1).put("p".getBytes(StandardCharsets.UTF_8)).putInt(-1);
        b.putInt(3).putInt(130).putInt(-1).putInt(0); // positions 0..2 in order, first word 0
        b.putLong(0).putLong(0).putLong(0).putLong(0);
        b.putInt(4).putInt(0).putInt(0);
        b.putLong(5).putLong(6);
        b.putInt(3).putLong(1L << 10).putLong(0).putLong(1L << 2); // positions 10 and 130
        RolloutState s = RolloutState.fromBytes(b.array());
        assertEquals(5, s.positionsSeen());
        assertFalse(s.addStep(130, 1, 1, Estimator.EXACT));
        assertTrue(s.addStep(129, 1, 1, Estimator.EXACT));
        assertEquals(2, s.aheadWords(), "the empty middle word is dropped");
    }

    @Test
    void shouldCarryTheLastPositionInCompletedMarkersAndReadOldOnes() {
        RolloutState marker = RolloutState.fromBytes(RolloutState.completedMarker(99, 41));
        assertTrue(marker.isCompletedMarker());
        assertEquals(41, marker.lastPosition());
        assertEquals(99, RolloutState.activityOf(RolloutState.completedMarker(99, 41)));
        byte[] old = ByteBuffer.allocate(9).put((byte) 3).putLong(99).array();
        assertTrue(RolloutState.isCompletedMarker(old));
        assertEquals(-1, RolloutState.fromBytes(old).lastPosition());
    }
}
