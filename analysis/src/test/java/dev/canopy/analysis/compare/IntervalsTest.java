package dev.canopy.analysis.compare;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The t interval, the percentile p-value and the Benjamini-Hochberg adjustment against hand-computed values. */
class IntervalsTest {

    @Test
    void shouldUseStudentsTQuantileAndTwoSidedP() {
        // t_0.975 with 7 degrees of freedom is 2.364624 (tables); a change of exactly that many errors has p = 0.05
        Intervals.Test t = Intervals.t(2.3646242510102993, 1, 7);
        assertEquals(0.0, t.low(), 1e-9);
        assertEquals(2 * 2.3646242510102993, t.high(), 1e-9);
        assertEquals(0.05, t.p(), 1e-9);
        Intervals.Test wide = Intervals.t(-1, 1, 1);
        assertEquals(-1 - 12.706204736174696, wide.low(), 1e-6, "t_0.975 with 1 degree of freedom is 12.706");
        assertEquals(0.5, wide.p(), 1e-9, "|T_1| > 1 has probability 1/2");
    }

    @Test
    void shouldHandleAZeroOrUndefinedError() {
        assertEquals(new Intervals.Test(0, 0, 1), Intervals.t(0, 0, 5));
        assertEquals(new Intervals.Test(0.5, 0.5, 0), Intervals.t(0.5, 0, 5));
        assertTrue(Double.isNaN(Intervals.t(1, Double.NaN, 5).p()));
        assertTrue(Double.isNaN(Intervals.t(1, 1, 0).low()), "no degrees of freedom: no interval");
        assertTrue(Double.isNaN(Intervals.t(Double.NaN, 1, 5).high()));
    }

    @Test
    void shouldAdjustAsBenjaminiHochberg() {
        // sorted 0.005, 0.01, 0.03, 0.04 (m = 4): 0.02, 0.02, 0.04, 0.04; NaN is not tested and does not count in m
        double[] q = Intervals.benjaminiHochberg(new double[] {0.01, 0.04, Double.NaN, 0.03, 0.005});
        assertArrayEquals(new double[] {0.02, 0.04, Double.NaN, 0.04, 0.02}, q, 1e-12);
        // the step-up: a later small p-value lifts earlier ones (0.045 * 3/3 caps 0.04 * 3/2 = 0.06)
        assertArrayEquals(new double[] {0.045, 0.045, 0.045}, Intervals.benjaminiHochberg(new double[] {0.04, 0.045, 0.03}), 1e-12);
        assertArrayEquals(new double[] {1, 1}, Intervals.benjaminiHochberg(new double[] {0.9, 1}), 1e-12);
    }

    @Test
    void shouldGiveThePercentileIntervalsPValue() {
        double[] d = new double[200];
        for (int i = 0; i < 200; i++) {
            d[i] = i - 9.5; // 10 of 200 below 0
        }
        Intervals.Test t = Intervals.percentile(d);
        assertEquals(0.1, t.p(), 1e-12, "twice the share below 0");
        assertTrue(t.low() < 0, "p = 0.1: the interval holds 0");
    }
}
