package dev.canopy.app.bench;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DistributionTest {

    @Test
    void shouldTakeNearestRankQuantilesWhateverTheOrder() {
        double[] values = new double[100];
        for (int i = 0; i < values.length; i++) {
            values[i] = (i * 37) % 100 + 1; // 1..100, shuffled
        }
        Distribution d = Distribution.of(values);
        assertEquals(100, d.count());
        assertEquals(50.5, d.mean(), 1e-12);
        assertEquals(50, d.p50());
        assertEquals(95, d.p95());
        assertEquals(99, d.p99());
        assertEquals(100, d.max());
    }

    @Test
    void shouldNotReorderTheCallersArray() {
        double[] values = {3, 1, 2};
        Distribution.of(values);
        assertEquals(3, values[0]);
        assertEquals(1, values[1]);
    }

    @Test
    void shouldGiveTheOnlyValueOfASingleton() {
        Distribution d = Distribution.of(new double[] {7.5});
        assertEquals(7.5, d.p50());
        assertEquals(7.5, d.p95());
        assertEquals(7.5, d.max());
    }

    @Test
    void shouldRoundSmallSamplesUpToARank() {
        // ceil(0.5 * 4) = 2nd value, ceil(0.95 * 4) = 4th
        Distribution d = Distribution.of(new double[] {10, 40, 20, 30});
        assertEquals(20, d.p50());
        assertEquals(40, d.p95());
    }

    @Test
    void shouldSummariseAnEmptySampleAsNaN() {
        Distribution d = Distribution.of(new double[0]);
        assertEquals(0, d.count());
        assertTrue(Double.isNaN(d.p50()));
        assertTrue(Double.isNaN(d.mean()));
    }

    @Test
    void shouldScaleEveryFigureButTheCount() {
        Distribution d = Distribution.of(new double[] {0.001, 0.002, 0.003}).scaled(1000);
        assertEquals(3, d.count());
        assertEquals(2, d.p50(), 1e-12);
        assertEquals(3, d.max(), 1e-12);
        assertEquals(2, d.mean(), 1e-12);
    }

    @Test
    void shouldRefuseNaN() {
        assertThrows(IllegalArgumentException.class, () -> Distribution.of(new double[] {1, Double.NaN}));
    }
}
