package dev.canopy.core.stats;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PromptPoolTest {

    @Test
    void shouldPoolPromptsAsMeansAndDeriveGenPplBranchingAndTheDecomposition() {
        PromptPool pool = new PromptPool(2);
        pool.add(10, 2.0, 2.5, 10, 0.1, 0.0, 0.5, 0.4, 0.3, 1.0);
        pool.add(10, 4.0, 4.5, 20, 0.3, 0.5, 0.5, 0.4, 0.3, 3.0);
        PromptPool.Pooled p = pool.pooled();
        assertEquals(3.0, p.ceStar(), 1e-15);
        assertEquals(3.5, p.ceStarUpper(), 1e-15);
        assertEquals(15.0, p.meanLength(), 1e-15);
        assertEquals(0.2, p.meanEntropyRate(), 1e-15);
        assertEquals(0.25, p.truncationRate(), 1e-15);
        assertEquals(Math.exp(3.0 / 15.0), p.genPpl(), 1e-15);
        assertEquals(Math.exp(0.2), p.branchingFactor(), 1e-15);
        assertEquals(15.0 * 0.2, p.lengthDriven(), 1e-15);
        assertEquals(3.0 - 15.0 * 0.2, p.coupling(), 1e-15);
        assertEquals(0.5, p.lengthEntropyRate().pearson(), 1e-12, "equal rho_p pool to themselves");
        assertEquals(2.0, p.lengthEntropyRate().covariance(), 1e-12, "equal weights: plain mean");
        assertEquals(Pooling.fisherWeight(new double[] {0.5, 0.5}, new long[] {10, 10}), p.pearsonFisherWeight());
    }

    @Test
    void shouldWeighAPromptAddedTwiceTwice() {
        PromptPool twice = new PromptPool(3);
        twice.add(5, 1.0, 1.0, 4, 0.25, 0, 0.1, 0.1, 0.1, 0.1);
        twice.add(5, 1.0, 1.0, 4, 0.25, 0, 0.1, 0.1, 0.1, 0.1);
        twice.add(5, 4.0, 4.0, 8, 0.5, 0, 0.1, 0.1, 0.1, 0.1);
        assertEquals(2.0, twice.pooled().ceStar(), 1e-15);
    }

    @Test
    void shouldLeaveEveryMetricUndefinedWithoutPrompts() {
        PromptPool.Pooled p = new PromptPool(0).pooled();
        assertTrue(Double.isNaN(p.ceStar()) && Double.isNaN(p.genPpl()) && Double.isNaN(p.branchingFactor())
                && Double.isNaN(p.coupling()) && Double.isNaN(p.lengthEntropyRate().pearson()));
    }

    @Test
    void shouldRefuseMorePromptsThanItsCapacity() {
        PromptPool pool = new PromptPool(1);
        pool.add(1, 0, 0, 1, 0, 0, 0, 0, 0, 0);
        assertThrows(IllegalStateException.class, () -> pool.add(1, 0, 0, 1, 0, 0, 0, 0, 0, 0));
    }
}
