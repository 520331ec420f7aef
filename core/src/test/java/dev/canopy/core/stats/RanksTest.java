package dev.canopy.core.stats;

import org.apache.commons.math3.exception.DimensionMismatchException;
import org.apache.commons.math3.exception.MathIllegalArgumentException;
import org.apache.commons.math3.exception.NotANumberException;
import org.apache.commons.math3.stat.correlation.KendallsCorrelation;
import org.apache.commons.math3.stat.correlation.SpearmansCorrelation;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The primitive Spearman and Kendall must give commons-math 3.6.1's exact bits, not merely close
 * values, so that nothing downstream of the coefficients changes. Inputs are seeded and shaped to hit
 * ties (the monitor's x is an integer length), signed zeros, extreme magnitudes and presorted order.
 */
class RanksTest {

    /** A way to draw one sample of n pairs: {x, y}. */
    private interface Shape {
        double[][] draw(SplittableRandom rng, int n);
    }

    private static final Shape[] SHAPES = {
        // the monitor's data: integer lengths, rates that sometimes repeat
        (rng, n) -> pairs(n, i -> 5 + rng.nextInt(395), i -> rng.nextInt(4) == 0 ? 1.5 : rng.nextDouble() * 3),
        // heavy ties on both sides
        (rng, n) -> pairs(n, i -> 5 + rng.nextInt(1 + rng.nextInt(6)), i -> 0.25 * rng.nextInt(4)),
        // all distinct
        (rng, n) -> pairs(n, i -> rng.nextGaussian(), i -> rng.nextGaussian() * 1e3),
        // all tied but one, on either side
        (rng, n) -> {
            int odd = rng.nextInt(n);
            return pairs(n, i -> i == odd ? 9 : 7, i -> rng.nextInt(3));
        },
        (rng, n) -> {
            int odd = rng.nextInt(n);
            return pairs(n, i -> rng.nextInt(n), i -> i == odd ? -2.5 : 4.0);
        },
        // -0.0 and 0.0 mixed (Double.compare puts -0.0 first; == does not)
        (rng, n) -> pairs(n, i -> pick(rng, -0.0, 0.0, 1.0, -1.0), i -> pick(rng, -0.0, 0.0, 2.0)),
        // negative values and huge or tiny magnitudes
        (rng, n) -> pairs(n, i -> pick(rng, -1e300, 1e300, -Double.MAX_VALUE, Double.MIN_VALUE, -Double.MIN_VALUE,
                1e-300, -3.0, 3.0), i -> -Math.exp(rng.nextGaussian() * 200)),
        // already sorted, and reverse-sorted against it, with ties
        (rng, n) -> sorted(pairs(n, i -> rng.nextInt(10), i -> rng.nextInt(n)), true),
        (rng, n) -> sorted(pairs(n, i -> rng.nextInt(10), i -> rng.nextInt(n)), false),
        // linked: y grows with x plus noise, so the coefficients are far from 0
        (rng, n) -> {
            double[][] p = pairs(n, i -> 5 + rng.nextInt(395), i -> 0);
            for (int i = 0; i < n; i++) {
                p[1][i] = p[0][i] * 0.01 + rng.nextGaussian();
            }
            return p;
        },
    };

    @Test
    void shouldMatchCommonsMathBitForBitOnSmallSamples() {
        for (int s = 0; s < SHAPES.length; s++) {
            for (int seed = 0; seed < 12; seed++) {
                SplittableRandom rng = new SplittableRandom(31L * s + seed);
                for (int n = 2; n <= 80; n++) {
                    double[][] p = SHAPES[s].draw(rng, n);
                    assertSameBits(p[0], p[1], "shape " + s + " seed " + seed + " n " + n);
                }
            }
        }
    }

    @Test
    void shouldMatchCommonsMathBitForBitOnLargeSamples() {
        int[] sizes = {100, 1_000, 2_048, 4_096, 5_000};
        for (int s = 0; s < SHAPES.length; s++) {
            SplittableRandom rng = new SplittableRandom(1_000 + s);
            for (int n : sizes) {
                double[][] p = SHAPES[s].draw(rng, n);
                assertSameBits(p[0], p[1], "shape " + s + " n " + n);
            }
        }
    }

    @Test
    void shouldMatchCommonsMathWhereThePairCountOverflowsAnInt() {
        // n (n - 1) passes 2^31 at n = 46,341, and so does a tie run that long (shape 3); counts stay longs
        int n = 70_000;
        for (int s : new int[] {0, 1, 2, 3}) {
            double[][] p = SHAPES[s].draw(new SplittableRandom(2_000 + s), n);
            assertSameBits(p[0], p[1], "shape " + s + " n " + n);
        }
    }

    @Test
    void shouldMatchCommonsMathOnInfinitiesAndFixedCases() {
        double inf = Double.POSITIVE_INFINITY;
        assertSameBits(new double[] {-inf, 0, inf, 0}, new double[] {1, inf, -inf, inf}, "infinities");
        assertSameBits(new double[] {1, 2}, new double[] {2, 1}, "two pairs");
        assertSameBits(new double[] {1, 1, 2}, new double[] {1, 1, 1}, "one side constant");
        assertSameBits(new double[] {-0.0, 0.0, -0.0, 0.0}, new double[] {1, 2, 3, 4}, "signed zeros only");
        // 1, 2, 3 with 1, 2, 1 (StatisticsTest's hand case): both are exactly 0
        assertEquals(0.0, Ranks.spearman(new double[] {1, 2, 3}, new double[] {1, 2, 1}));
        assertEquals(0.0, Ranks.kendall(new double[] {1, 2, 3}, new double[] {1, 2, 1}));
    }

    @Test
    void shouldLeaveNaNAndMalformedInputsToCommonsMath() {
        double[] withNaN = {1, Double.NaN, 3};
        double[] plain = {3, 1, 2};
        assertThrows(NotANumberException.class, () -> Ranks.spearman(withNaN, plain));
        assertEquals(Double.doubleToLongBits(new KendallsCorrelation().correlation(withNaN, plain)),
                Double.doubleToLongBits(Ranks.kendall(withNaN, plain)));
        assertThrows(DimensionMismatchException.class, () -> Ranks.kendall(plain, new double[] {1, 2}));
        assertThrows(MathIllegalArgumentException.class, () -> Ranks.spearman(new double[] {1}, new double[] {1}));
    }

    @Test
    void shouldRankWithMidRanksInDoubleCompareOrder() {
        Ranks r = Ranks.of(new double[] {3, -0.0, 3, 0.0, -1, 3});
        // -1 < -0.0 < 0.0 < 3 = 3 = 3
        assertArrayEquals(new double[] {5, 2, 5, 3, 1, 5}, r.midRanks());
        assertEquals(3, r.tiedPairs());
    }

    private static void assertSameBits(double[] x, double[] y, String what) {
        double spearman = new SpearmansCorrelation().correlation(x.clone(), y.clone());
        double kendall = new KendallsCorrelation().correlation(x.clone(), y.clone());
        assertBits(spearman, Ranks.spearman(x.clone(), y.clone()), x, y, what + " spearman");
        assertBits(kendall, Ranks.kendall(x.clone(), y.clone()), x, y, what + " kendall");
        Correlations.Coefficients expected = before(x, y, spearman, kendall);
        Correlations.Coefficients actual = Correlations.of(x.clone(), y.clone());
        assertBits(expected.spearman(), actual.spearman(), x, y, what + " of().spearman");
        assertBits(expected.kendall(), actual.kendall(), x, y, what + " of().kendall");
        assertEquals(expected, actual, what + " of()");
    }

    private static void assertBits(double expected, double actual, double[] x, double[] y, String what) {
        assertEquals(Double.doubleToLongBits(expected), Double.doubleToLongBits(actual),
                () -> what + ": expected " + expected + " got " + actual
                        + (x.length > 100 ? "" : "\nx=" + Arrays.toString(x) + "\ny=" + Arrays.toString(y)));
    }

    /** Correlations.of as it was, given commons-math's Spearman and Kendall of the same sample. */
    private static Correlations.Coefficients before(double[] x, double[] y, double spearman, double kendall) {
        Correlations.Coefficients linear = Correlations.pearsonAndCovariance(x, y);
        if (Double.isNaN(linear.pearson())) {
            return linear;
        }
        return new Correlations.Coefficients(linear.pearson(), clamp(spearman), clamp(kendall), linear.covariance());
    }

    private static double clamp(double rho) {
        return Double.isNaN(rho) ? rho : Math.max(-1.0, Math.min(1.0, rho));
    }

    private interface Draw {
        double at(int i);
    }

    private static double[][] pairs(int n, Draw x, Draw y) {
        double[][] p = new double[2][n];
        for (int i = 0; i < n; i++) {
            p[0][i] = x.at(i);
            p[1][i] = y.at(i);
        }
        return p;
    }

    private static double pick(SplittableRandom rng, double... values) {
        return values[rng.nextInt(values.length)];
    }

    /** x ascending; y ascending too or descending. */
    private static double[][] sorted(double[][] p, boolean sameWay) {
        Arrays.sort(p[0]);
        Arrays.sort(p[1]);
        if (!sameWay) {
            for (int i = 0, j = p[1].length - 1; i < j; i++, j--) {
                double t = p[1][i];
                p[1][i] = p[1][j];
                p[1][j] = t;
            }
        }
        return p;
    }
}
