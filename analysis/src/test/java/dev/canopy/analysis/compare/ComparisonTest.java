package dev.canopy.analysis.compare;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The percentile interval and the per-metric rules of compare.json. */
class ComparisonTest {

    @Test
    void shouldInterpolateQuantilesAsNumpysDefault() {
        double[] oneTo100 = new double[100];
        for (int i = 0; i < 100; i++) {
            oneTo100[i] = i + 1;
        }
        // numpy.percentile(range(1, 101), [2.5, 97.5]) == [3.475, 97.525]
        assertEquals(3.475, Comparison.quantile(oneTo100, 0.025), 1e-12);
        assertEquals(97.525, Comparison.quantile(oneTo100, 0.975), 1e-12);
        assertEquals(7.0, Comparison.quantile(new double[] {7}, 0.025));
        // numpy.percentile([1, 2, 10], [2.5, 97.5]) == [1.05, 9.6]
        double[] ci = Comparison.interval(new double[] {10, 1, 2});
        assertEquals(1.05, ci[0], 1e-12);
        assertEquals(9.6, ci[1], 1e-12);
    }

    @Test
    void shouldLeaveOutUndefinedReplicatesUpToOnePercent() {
        double[] values = new double[200];
        for (int i = 0; i < 200; i++) {
            values[i] = i;
        }
        values[0] = Double.NaN;
        values[1] = Double.NaN;
        double[] ci = Comparison.interval(values);
        double[] finite = new double[198];
        for (int i = 0; i < 198; i++) {
            finite[i] = i + 2;
        }
        assertEquals(Comparison.quantile(finite, 0.025), ci[0], 1e-12);
        values[2] = Double.NaN;
        assertTrue(Double.isNaN(Comparison.interval(values)[0]), "3 of 200 undefined is more than 1%");
    }
}
