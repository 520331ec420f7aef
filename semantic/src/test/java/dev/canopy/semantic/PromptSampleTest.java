package dev.canopy.semantic;

import dev.canopy.core.assembly.CompletedRollout;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PromptSampleTest {

    private static SemanticAccumulator.Entry entry(long hash, Random rng) {
        float[] v = new float[8];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) rng.nextGaussian();
        }
        return new SemanticAccumulator.Entry(hash, MiniLmEmbedder.normalise(v), 1 + rng.nextInt(50), rng.nextDouble());
    }

    @Test
    void keepsTheSmallestHashesWhateverTheOrder() {
        Random rng = new Random(7);
        List<SemanticAccumulator.Entry> all = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            all.add(entry(rng.nextLong(), rng));
        }
        List<Long> expected = all.stream().map(SemanticAccumulator.Entry::hash).sorted(Long::compareUnsigned).limit(16).toList();
        for (int trial = 0; trial < 5; trial++) {
            Collections.shuffle(all, new Random(trial));
            PromptSample s = new PromptSample(16);
            int admitted = 0;
            for (SemanticAccumulator.Entry e : all) {
                boolean admits = s.admits(e.hash());
                assertEquals(admits, s.add(e), "admits() predicts add()");
                admitted += admits ? 1 : 0;
            }
            assertEquals(expected, s.entries().stream().map(SemanticAccumulator.Entry::hash).toList());
            assertTrue(admitted < all.size(), "later rollouts with large hashes are turned away before embedding");
        }
    }

    @Test
    void aRolloutIsNotAdmittedTwice() {
        PromptSample s = new PromptSample(4);
        Random rng = new Random(1);
        assertTrue(s.add(entry(42, rng)));
        assertFalse(s.admits(42));
        assertFalse(s.add(entry(42, rng)));
        assertEquals(1, s.size());
    }

    @Test
    void removesTheLargestHashAndKnowsWhatItHolds() {
        PromptSample s = new PromptSample(4);
        Random rng = new Random(2);
        s.add(entry(5, rng));
        s.add(entry(-1L, rng));
        s.add(entry(9, rng));
        assertTrue(s.contains(9) && s.contains(-1L));
        assertEquals(-1L, s.removeLargest().hash(), "hashes compare unsigned: -1 is the largest");
        assertFalse(s.contains(-1L));
        assertEquals(9, s.removeLargest().hash());
        assertEquals(List.of(5L), s.entries().stream().map(SemanticAccumulator.Entry::hash).toList());
        s.removeLargest();
        org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, s::removeLargest);
    }

    @Test
    void binaryFormRoundTripsAndALowerCapacityKeepsTheSmallest() {
        Random rng = new Random(3);
        PromptSample s = new PromptSample(10);
        for (int i = 0; i < 30; i++) {
            s.add(entry(rng.nextLong(), rng));
        }
        PromptSample back = PromptSample.fromBytes(s.toBytes(), 10);
        assertEquals(s.size(), back.size());
        for (int i = 0; i < s.size(); i++) {
            SemanticAccumulator.Entry a = s.entries().get(i);
            SemanticAccumulator.Entry b = back.entries().get(i);
            assertEquals(a.hash(), b.hash());
            assertEquals(a.length(), b.length());
            assertEquals(a.rate(), b.rate());
            assertArrayEquals(a.embedding(), b.embedding());
        }
        PromptSample smaller = PromptSample.fromBytes(s.toBytes(), 4);
        assertEquals(s.entries().subList(0, 4).stream().map(SemanticAccumulator.Entry::hash).toList(),
                smaller.entries().stream().map(SemanticAccumulator.Entry::hash).toList());
    }

    @Test
    void metricsDoNotDependOnArrivalOrderToTheLastBitAndSurviveTheCodec() {
        Random rng = new Random(11);
        List<CompletedRollout> rollouts = new ArrayList<>();
        List<float[]> vectors = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            int n = 1 + rng.nextInt(40);
            double h = rng.nextDouble() * n;
            rollouts.add(new CompletedRollout("m", "r", "roll-" + i, "p" + rng.nextInt(7), n, h, h, "stop", n, 0, 0, i, false));
            vectors.add(entry(0, rng).embedding());
        }
        SemanticMetrics first = null;
        for (int trial = 0; trial < 3; trial++) {
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < rollouts.size(); i++) {
                order.add(i);
            }
            Collections.shuffle(order, new Random(100 + trial));
            SemanticAccumulator acc = new SemanticAccumulator(12, 5);
            for (int i : order) {
                acc.add(rollouts.get(i), vectors.get(i));
            }
            SemanticMetrics m = SemanticMetrics.of(acc);
            if (first == null) {
                first = m;
                assertEquals(5, m.prompts());
                assertEquals(60, m.kept());
            } else {
                assertEquals(first, m, "same rollouts in another order");
            }
        }
        SemanticCounts counts = new SemanticCounts(1, 2, 3, 4);
        SemanticCodec.Result back = SemanticCodec.fromBytes(SemanticCodec.toBytes(first, counts));
        assertEquals(first, back.metrics());
        assertEquals(counts, back.counts());
        assertEquals(first.perPrompt().get(2), SemanticCodec.promptFromBytes(SemanticCodec.toBytes(first.perPrompt().get(2))));
    }
}
