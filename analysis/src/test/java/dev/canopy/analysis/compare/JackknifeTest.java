package dev.canopy.analysis.compare;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The prompt jackknife against the textbook formulas it reduces to for a mean. */
class JackknifeTest {

    /** Per-prompt values x_p with prompt ids; pools to {mean x, mean x / mean y}. */
    private static final class Rows implements Bootstrap.PromptRows {
        private final String[] ids;
        private final double[] x;
        private final double[] y;
        private final Map<String, Integer> index = new HashMap<>();

        Rows(String prefix, double[] x, double[] y) {
            this.ids = new String[x.length];
            this.x = x;
            this.y = y;
            for (int i = 0; i < x.length; i++) {
                ids[i] = prefix + i;
                index.put(ids[i], i);
            }
        }

        @Override
        public int size() {
            return x.length;
        }

        @Override
        public String id(int i) {
            return ids[i];
        }

        @Override
        public int indexOf(String id) {
            return index.getOrDefault(id, -1);
        }

        @Override
        public double[] pooled(int[] rows, int count) {
            double sx = 0;
            double sy = 0;
            for (int i = 0; i < count; i++) {
                sx += x[rows[i]];
                sy += y[rows[i]];
            }
            return new double[] {count == 0 ? Double.NaN : sx / count, sx / sy};
        }
    }

    private static double variance(double[] v) {
        double mean = Arrays.stream(v).average().orElseThrow();
        return Arrays.stream(v).map(a -> (a - mean) * (a - mean)).sum() / (v.length - 1);
    }

    private static final double[] B = {3.1, 4.7, 2.2, 5.9, 4.4, 3.8, 6.1, 2.9};
    private static final double[] C = {3.6, 5.5, 2.1, 6.8, 4.9, 4.5, 6.0, 3.9};
    private static final double[] ONES = {1, 1, 1, 1, 1, 1, 1, 1};

    @Test
    void shouldGiveThePairedTStandardErrorForAMean() {
        double[] d = new double[B.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = C[i] - B[i];
        }
        Jackknife.Estimate e = Jackknife.delta(new Rows("p", B, ONES), new Rows("p", C, ONES), Bootstrap.Design.PAIRED_PROMPTS, 2);
        assertEquals(Math.sqrt(variance(d) / d.length), e.se()[0], 1e-12, "sd of the per-prompt differences / sqrt(P)");
        assertEquals(B.length - 1, e.df()[0]);
    }

    @Test
    void shouldGiveWelchsStandardErrorAndDegreesOfFreedomUnpaired() {
        double[] c = Arrays.copyOf(C, 5);
        Jackknife.Estimate e = Jackknife.delta(new Rows("p", B, ONES), new Rows("q", c, Arrays.copyOf(ONES, 5)),
                Bootstrap.Design.UNPAIRED_PROMPTS, 2);
        double vb = variance(B) / B.length;
        double vc = variance(c) / c.length;
        assertEquals(Math.sqrt(vb + vc), e.se()[0], 1e-12);
        double welch = (vb + vc) * (vb + vc) / (vb * vb / (B.length - 1) + vc * vc / (c.length - 1));
        assertEquals(welch, e.df()[0], 1e-9);
    }

    @Test
    void shouldLeaveAPromptOutOfBothReleasesWhenPaired() {
        // a ratio of means: the leave-one-out changes written out
        double[] yb = {1.0, 2.0, 1.5, 0.5, 1.2, 0.8, 2.2, 1.1};
        double[] yc = {1.1, 1.9, 1.5, 0.7, 1.0, 0.9, 2.0, 1.3};
        int p = B.length;
        double[] leftOut = new double[p];
        for (int k = 0; k < p; k++) {
            double sb = 0;
            double tb = 0;
            double sc = 0;
            double tc = 0;
            for (int i = 0; i < p; i++) {
                if (i != k) {
                    sb += B[i];
                    tb += yb[i];
                    sc += C[i];
                    tc += yc[i];
                }
            }
            leftOut[k] = sc / tc - sb / tb;
        }
        double mean = Arrays.stream(leftOut).average().orElseThrow();
        double se = Math.sqrt((p - 1.0) / p * Arrays.stream(leftOut).map(a -> (a - mean) * (a - mean)).sum());
        Jackknife.Estimate e = Jackknife.delta(new Rows("p", B, yb), new Rows("p", C, yc), Bootstrap.Design.PAIRED_PROMPTS, 2);
        assertEquals(se, e.se()[1], 1e-12);
    }

    @Test
    void shouldDealManyPromptsIntoGroupsCoveringEachOnce() {
        int[][] groups = Jackknife.group(450);
        assertEquals(Jackknife.MAX_GROUPS, groups.length);
        int[] seen = new int[450];
        for (int[] g : groups) {
            assertTrue(g.length == 2 || g.length == 3, "sizes differ by at most one");
            for (int u : g) {
                seen[u]++;
            }
        }
        assertTrue(Arrays.stream(seen).allMatch(n -> n == 1));
        assertEquals(7, Jackknife.group(7).length, "up to the limit, one prompt per group");
    }

    @Test
    void shouldApproachTheMeansStandardErrorWithGroupedPrompts() {
        java.util.SplittableRandom rng = new java.util.SplittableRandom(3);
        int p = 2000;
        double[] x = new double[p];
        double[] ones = new double[p];
        for (int i = 0; i < p; i++) {
            x[i] = rng.nextGaussian() * 2 + 10;
            ones[i] = 1;
        }
        Jackknife.Estimate e = Jackknife.single(new Rows("p", x, ones), 2);
        assertEquals(Jackknife.MAX_GROUPS - 1, e.df()[0]);
        double exact = Math.sqrt(variance(x) / p);
        // the grouped estimate has 199 degrees of freedom: its relative error is about 1/sqrt(2 * 199) = 5%
        assertEquals(exact, e.se()[0], 0.2 * exact);
    }

    @Test
    void shouldLeaveTheErrorUndefinedWithOnePromptOrAnUndefinedLeaveOut() {
        Jackknife.Estimate one = Jackknife.single(new Rows("p", new double[] {1}, new double[] {1}), 2);
        assertTrue(Double.isNaN(one.se()[0]) && Double.isNaN(one.df()[0]));
        // leaving out prompt 1 makes the ratio's denominator 0 (+-infinity): undefined
        Jackknife.Estimate e = Jackknife.single(new Rows("p", new double[] {1, 2, 3}, new double[] {-1, 1, 0}), 2);
        assertTrue(Double.isFinite(e.se()[0]));
        assertTrue(Double.isNaN(e.se()[1]));
        assertThrows(IllegalArgumentException.class, () -> Jackknife.delta(new Rows("p", B, ONES), new Rows("p", C, ONES),
                Bootstrap.Design.ROLLOUTS, 2));
    }
}
