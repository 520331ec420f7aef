package dev.canopy.core.stats;

import dev.canopy.core.assembly.CompletedRollout;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StatisticsTest {

    private static CompletedRollout rollout(String id, String prompt, int n, double h, String finish) {
        return new CompletedRollout("m", "r", id, prompt, n, h, h, finish, n, 0, 0, 0, false);
    }

    @Test
    void shouldComputeAPromptByHand() {
        // N = 1, 2, 3 with H = 1, 4, 3 -> r = 1, 2, 1
        PromptAccumulator p = new PromptAccumulator(16);
        p.add(rollout("a", "p", 1, 1, "stop"));
        p.add(rollout("b", "p", 2, 4, "length"));
        p.add(rollout("c", "p", 3, 3, "stop"));
        assertEquals(8.0 / 3, p.ceStar(), 1e-15);
        assertEquals(2.0, p.meanLength(), 1e-15);
        assertEquals(4.0 / 3, p.meanEntropyRate(), 1e-15);
        assertEquals(1.0 / 3, p.truncationRate(), 1e-15);
        Correlations.Coefficients c = p.coefficients();
        // x = (-1, 0, 1), y = (-1/3, 2/3, -1/3): sxy = 0 -> Pearson 0, covariance 0
        assertEquals(0.0, c.pearson(), 1e-15);
        assertEquals(0.0, c.covariance(), 1e-15);
        // ranks: x = 1,2,3; y = 1.5,3,1.5 -> Spearman 0; Kendall tau-b: concordant 1, discordant 1 -> 0
        assertEquals(0.0, c.spearman(), 1e-15);
        assertEquals(0.0, c.kendall(), 1e-15);
    }

    @Test
    void shouldLeaveCorrelationsUndefinedForConstantSidesButNotTheCovariance() {
        PromptAccumulator p = new PromptAccumulator(16);
        p.add(rollout("a", "p", 4, 1, "stop"));
        p.add(rollout("b", "p", 4, 2, "stop"));
        Correlations.Coefficients c = p.coefficients();
        assertTrue(Double.isNaN(c.pearson()));
        assertTrue(Double.isNaN(c.spearman()));
        assertTrue(Double.isNaN(c.kendall()));
        assertEquals(0.0, c.covariance());
        PromptAccumulator single = new PromptAccumulator(16);
        single.add(rollout("a", "p", 4, 1, "stop"));
        assertTrue(Double.isNaN(single.coefficients().covariance()));
    }

    @Test
    void shouldPoolWithFisherZAndFallBackToThePlainMean() {
        double[] rho = {0.5, -0.2, Double.NaN, 0.9};
        long[] n = {10, 5, 20, 3};
        // weights 7, 2, (NaN skipped), 0 (skipped)
        double z = (7 * atanh(0.5) + 2 * atanh(-0.2)) / 9;
        assertEquals(Math.tanh(z), Pooling.fisherZ(rho, n), 1e-15);
        // no usable weight: plain mean of the finite values, on the z scale as the reference does
        assertEquals(Math.tanh((atanh(0.3) + atanh(0.6)) / 2), Pooling.fisherZ(new double[] {0.3, 0.6}, new long[] {2, 3}), 1e-15);
        assertTrue(Double.isNaN(Pooling.fisherZ(new double[] {Double.NaN}, new long[] {10})));
        // clipping keeps a perfect correlation finite
        assertEquals(Pooling.CLIP, Pooling.fisherZ(new double[] {1.0}, new long[] {10}), 1e-12);
        // Kendall weights n(n-1)/2 = 45, 10; covariance weights n-1 = 9, 4
        assertEquals((45 * 0.5 + 10 * -0.2) / 55, Pooling.kendall(new double[] {0.5, -0.2}, new long[] {10, 5}), 1e-15);
        assertEquals((9 * 2.0 + 4 * 1.0) / 13, Pooling.covariance(new double[] {2.0, 1.0}, new long[] {10, 5}), 1e-15);
    }

    private static double atanh(double x) {
        return 0.5 * Math.log((1 + x) / (1 - x));
    }

    @Test
    void shouldComputeGroupMetricsAndDecomposition() {
        GroupAccumulator g = new GroupAccumulator(16, 100);
        g.add(rollout("a", "p1", 2, 2, "stop"));
        g.add(rollout("b", "p1", 4, 6, "stop"));
        g.add(rollout("c", "p2", 3, 3, "length"));
        GroupMetrics m = GroupMetrics.of(new GroupKey("m", "r"), g);
        // p1: CE* 4, L 3, R (1 + 1.5)/2 = 1.25; p2: CE* 3, L 3, R 1
        assertEquals(3.5, m.ceStar(), 1e-15);
        assertEquals(3.0, m.meanLength(), 1e-15);
        assertEquals(1.125, m.meanEntropyRate(), 1e-15);
        assertEquals(Math.exp(3.5 / 3.0), m.genPpl(), 1e-14);
        assertEquals(Math.exp(1.125), m.branchingFactor(), 1e-14);
        assertEquals(0.5, m.truncationRate(), 1e-15);
        assertEquals(3.375, m.lengthDriven(), 1e-15);
        assertEquals(0.125, m.coupling(), 1e-15);
        assertEquals(3, m.rollouts());
        assertEquals(9, m.tokens());
        assertEquals(2, m.prompts());
        assertEquals(9, m.exactSteps());
    }

    private static List<CompletedRollout> randomRollouts(Random rng, int count, int prompts) {
        List<CompletedRollout> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int n = 1 + rng.nextInt(60);
            double h = n * (0.5 + rng.nextDouble()) + rng.nextGaussian();
            out.add(new CompletedRollout("m", "r", "roll-" + i, "p" + rng.nextInt(prompts), n, Math.abs(h),
                    Math.abs(h) + 1, rng.nextInt(10) == 0 ? "length" : "stop", n, 0, 0, i, false));
        }
        return out;
    }

    private static GroupMetrics mergedInRandomOrder(List<CompletedRollout> rollouts, Random rng, int parts,
                                                    int pairCapacity, int maxPrompts) {
        List<CompletedRollout> shuffled = new ArrayList<>(rollouts);
        Collections.shuffle(shuffled, rng);
        List<GroupAccumulator> partials = new ArrayList<>();
        for (int i = 0; i < parts; i++) {
            partials.add(new GroupAccumulator(pairCapacity, maxPrompts));
        }
        for (CompletedRollout r : shuffled) {
            partials.get(rng.nextInt(parts)).add(r);
        }
        // merge in a random tree: repeatedly merge two random partials (through their bytes, as the store does)
        while (partials.size() > 1) {
            GroupAccumulator a = partials.remove(rng.nextInt(partials.size()));
            GroupAccumulator b = partials.remove(rng.nextInt(partials.size()));
            GroupAccumulator merged = GroupAccumulator.fromBytes(a.toBytes());
            merged.merge(GroupAccumulator.fromBytes(b.toBytes()));
            partials.add(merged);
        }
        return GroupMetrics.of(new GroupKey("m", "r"), partials.get(0));
    }

    private static void assertClose(double expected, double actual, String what) {
        if (Double.isNaN(expected)) {
            assertTrue(Double.isNaN(actual), what + " should be undefined");
            return;
        }
        assertEquals(expected, actual, 1e-12 * Math.max(1, Math.abs(expected)), what);
    }

    private static void assertSameMetrics(GroupMetrics a, GroupMetrics b) {
        assertEquals(a.rollouts(), b.rollouts());
        assertEquals(a.tokens(), b.tokens());
        assertEquals(a.prompts(), b.prompts());
        assertClose(a.ceStar(), b.ceStar(), "ce_star");
        assertClose(a.ceStarUpper(), b.ceStarUpper(), "ce_star_upper");
        assertClose(a.meanLength(), b.meanLength(), "mean_length");
        assertClose(a.meanEntropyRate(), b.meanEntropyRate(), "mean_entropy_rate");
        assertClose(a.truncationRate(), b.truncationRate(), "truncation_rate");
        assertClose(a.lengthEntropyRate().pearson(), b.lengthEntropyRate().pearson(), "pooled pearson");
        assertClose(a.lengthEntropyRate().spearman(), b.lengthEntropyRate().spearman(), "pooled spearman");
        assertClose(a.lengthEntropyRate().kendall(), b.lengthEntropyRate().kendall(), "pooled kendall");
        assertClose(a.lengthEntropyRate().covariance(), b.lengthEntropyRate().covariance(), "pooled covariance");
        assertClose(a.allRollouts().pearson(), b.allRollouts().pearson(), "all pearson");
        assertClose(a.allRollouts().spearman(), b.allRollouts().spearman(), "all spearman");
        assertClose(a.allRollouts().kendall(), b.allRollouts().kendall(), "all kendall");
        assertClose(a.allRollouts().covariance(), b.allRollouts().covariance(), "all covariance");
        for (int i = 0; i < a.perPrompt().size(); i++) {
            assertEquals(a.perPrompt().get(i).promptId(), b.perPrompt().get(i).promptId());
            assertClose(a.perPrompt().get(i).coefficients().spearman(), b.perPrompt().get(i).coefficients().spearman(), "prompt spearman");
        }
    }

    @Test
    void shouldGiveTheSameMetricsWhateverTheMergeOrderWhileExact() {
        Random rng = new Random(7);
        List<CompletedRollout> rollouts = randomRollouts(rng, 600, 12);
        GroupMetrics reference = mergedInRandomOrder(rollouts, rng, 1, 4096, 1000);
        assertFalse(reference.sampled());
        for (int trial = 0; trial < 20; trial++) {
            assertSameMetrics(reference, mergedInRandomOrder(rollouts, rng, 2 + rng.nextInt(8), 4096, 1000));
        }
    }

    @Test
    void shouldGiveTheSameSampleWhateverTheMergeOrderBeyondTheBounds() {
        Random rng = new Random(11);
        List<CompletedRollout> rollouts = randomRollouts(rng, 3000, 40);
        GroupMetrics reference = mergedInRandomOrder(rollouts, rng, 1, 64, 10);
        assertTrue(reference.sampled());
        assertEquals(10, reference.prompts());
        assertEquals(3000, reference.rollouts(), "rollout counts stay exact beyond the bounds");
        for (int trial = 0; trial < 20; trial++) {
            assertSameMetrics(reference, mergedInRandomOrder(rollouts, rng, 2 + rng.nextInt(8), 64, 10));
        }
    }

    @Test
    void shouldEstimateRankCorrelationsFromTheBottomKSampleWithinItsStandardError() {
        Random rng = new Random(3);
        PromptAccumulator exact = new PromptAccumulator(20_000);
        PromptAccumulator sampled = new PromptAccumulator(1024);
        for (int i = 0; i < 20_000; i++) {
            int n = 1 + rng.nextInt(200);
            double rate = 1 + 0.004 * n + 0.5 * rng.nextGaussian();
            CompletedRollout r = new CompletedRollout("m", "r", "x" + i, "", n, Math.abs(rate) * n, 0, "stop", n, 0, 0, 0, false);
            exact.add(r);
            sampled.add(r);
        }
        assertTrue(exact.exactPairs());
        assertFalse(sampled.exactPairs());
        Correlations.Coefficients e = exact.coefficients();
        Correlations.Coefficients s = sampled.coefficients();
        double se = 1 / Math.sqrt(1024 - 3);
        assertEquals(e.spearman(), s.spearman(), 4 * se);
        assertEquals(e.kendall(), s.kendall(), 4 * se);
        // Pearson and covariance stay exact (streamed co-moments)
        assertEquals(e.pearson(), s.pearson(), 1e-12);
        assertEquals(e.covariance(), s.covariance(), 1e-9 * Math.abs(e.covariance()));
    }

    @Test
    void shouldCountAbandonedRolloutsWithoutMeasuringThem() {
        GroupAccumulator g = new GroupAccumulator();
        g.add(new CompletedRollout("m", "r", "x", "", 3, 9, 9, null, 3, 0, 0, 0, true));
        assertEquals(1, g.abandoned());
        assertEquals(0, g.rollouts());
        assertTrue(Double.isNaN(GroupMetrics.of(new GroupKey("m", "r"), g).ceStar()));
    }
}
