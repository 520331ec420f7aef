package dev.canopy.core.entropy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class StepEntropyTest {

    @Test
    void renormalisedEntropyOfUniformCandidatesIsLogK() {
        double[] logprobs = {Math.log(0.1), Math.log(0.1), Math.log(0.1), Math.log(0.1)};
        assertEquals(Math.log(4), StepEntropy.topK(logprobs, 4), 1e-12);
        assertEquals(Math.log(2), StepEntropy.topK(logprobs, 2), 1e-12, "only the first k entries count");
    }

    @Test
    void renormalisedEntropyMatchesTheDefinition() {
        double[] p = {0.5, 0.2, 0.05};
        double total = 0.75;
        double expected = 0;
        for (double q : p) {
            expected -= (q / total) * Math.log(q / total);
        }
        double[] logprobs = {Math.log(0.5), Math.log(0.2), Math.log(0.05)};
        assertEquals(expected, StepEntropy.topK(logprobs, 3), 1e-12);
    }

    @Test
    void nonFiniteCandidatesAreSkippedAndNoFiniteCandidateIsNaN() {
        double[] withZero = {Math.log(0.5), Double.NEGATIVE_INFINITY, Math.log(0.5)};
        assertEquals(Math.log(2), StepEntropy.topK(withZero, 3), 1e-12);
        assertTrue(Double.isNaN(StepEntropy.topK(new double[] {Double.NEGATIVE_INFINITY}, 1)));
        assertEquals(0.0, StepEntropy.topK(new double[] {0.0}, 1), 0.0, "a certain token has no entropy");
    }

    @Test
    void upperBoundIsTightWhenTheTailReallyIsUniform() {
        // Vocabulary of 10: two reported tokens at 0.3 each, the other 8 at 0.05 each.
        double[] logprobs = {Math.log(0.3), Math.log(0.3)};
        double exact = -2 * 0.3 * Math.log(0.3) - 8 * 0.05 * Math.log(0.05);
        double renormalised = StepEntropy.topK(logprobs, 2);
        assertEquals(exact, StepEntropy.topKUpperBound(logprobs, 2, renormalised, 10), 1e-12);
        assertTrue(renormalised < exact, "the renormalised estimate is low when mass is missing");
    }

    @Test
    void upperBoundNeverFallsBelowTheEstimate() {
        // All mass reported: the bound is the plain entropy, equal to the renormalised value.
        double[] full = {Math.log(0.5), Math.log(0.5)};
        double h = StepEntropy.topK(full, 2);
        assertEquals(h, StepEntropy.topKUpperBound(full, 2, h, 1000), 1e-12);
        // A vocabulary no larger than the candidates leaves no room for a tail: the missing mass adds no
        // term, the bound is -sum q log q of the reported tokens, still above the renormalised value.
        double[] partial = {Math.log(0.4), Math.log(0.4)};
        double hp = StepEntropy.topK(partial, 2);
        assertEquals(-0.8 * Math.log(0.4), StepEntropy.topKUpperBound(partial, 2, hp, 2), 1e-12);
        assertTrue(StepEntropy.topKUpperBound(partial, 2, hp, 2) >= hp);
        // An estimate above the bound's formula (it cannot happen from topK, but callers pass it in) wins.
        assertEquals(5.0, StepEntropy.topKUpperBound(partial, 2, 5.0, 1000), 0.0);
    }

    @Test
    void theFusedFormAgreesWithTheDefinitionsOnRandomSteps() {
        java.util.SplittableRandom rng = new java.util.SplittableRandom(7);
        double[] out = new double[2];
        for (int trial = 0; trial < 20_000; trial++) {
            int k = 1 + rng.nextInt(40);
            double[] l = new double[k];
            double scale = rng.nextDouble() < 0.3 ? 40 : 4;
            for (int j = 0; j < k; j++) {
                l[j] = rng.nextDouble() < 0.05 ? Double.NEGATIVE_INFINITY : -scale * rng.nextDouble() * rng.nextDouble();
            }
            int v = rng.nextBoolean() ? StepEntropy.DEFAULT_VOCABULARY_SIZE : k + rng.nextInt(3);
            double h = StepEntropy.topK(l, k);
            boolean any = StepEntropy.topKWithUpperBound(l, k, v, out);
            if (Double.isNaN(h)) {
                assertTrue(!any, "no finite entry in trial " + trial);
                continue;
            }
            assertTrue(any);
            double upper = StepEntropy.topKUpperBound(l, k, h, v);
            assertEquals(h, out[0], 0.0, "entropy: the same bits as topK, trial " + trial);
            assertEquals(upper, out[1], 1e-12 * Math.max(upper, 1e-3), "upper bound, trial " + trial);
        }
    }

    @Test
    void theFusedFormRefusesAStepWithoutAFiniteEntry() {
        double[] out = {-1, -1};
        assertTrue(!StepEntropy.topKWithUpperBound(new double[] {Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY}, 2, 100, out));
        assertEquals(-1, out[0], 0.0);
    }
}
