package dev.canopy.simulator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class MarkovLanguageModelTest {

    /** V = 2: start, after-token-0, after-token-1; columns token0, token1, EOS. */
    static MarkovLanguageModel tinyChain() {
        return MarkovLanguageModel.of(new double[][] {
            {0.6, 0.4, 0.0},
            {0.5, 0.2, 0.3},
            {0.1, 0.45, 0.45},
        });
    }

    /** Enumerates every outcome of generation truncated at maxTokens: {joint entropy, E[N], P(truncated)}. */
    static double[] bruteForce(MarkovLanguageModel m, int maxTokens) {
        double[] acc = new double[3];
        enumerate(m, 0, 0, 1.0, maxTokens, acc);
        return acc;
    }

    private static void enumerate(MarkovLanguageModel m, int state, int len, double prob, int maxTokens, double[] acc) {
        if (len == maxTokens) { // truncated outcome
            acc[0] -= prob * Math.log(prob);
            acc[1] += prob * len;
            acc[2] += prob;
            return;
        }
        int v = m.vocabularySize();
        double pEos = m.probability(state, v);
        if (pEos > 0) { // complete outcome of length len + 1
            double q = prob * pEos;
            acc[0] -= q * Math.log(q);
            acc[1] += q * (len + 1);
        }
        for (int t = 0; t < v; t++) {
            double pt = m.probability(state, t);
            if (pt > 0) {
                enumerate(m, 1 + t, len + 1, prob * pt, maxTokens, acc);
            }
        }
    }

    @Test
    void truncatedForwardPropagationEqualsJointEntropyOfAllEnumeratedRollouts() {
        MarkovLanguageModel m = tinyChain();
        for (int maxTokens : new int[] {1, 2, 5, 16}) {
            double[] brute = bruteForce(m, maxTokens);
            assertEquals(brute[0], m.exactCanopyEntropy(maxTokens), 1e-12 * brute[0], "CE* at M=" + maxTokens);
            assertEquals(brute[1], m.expectedLength(maxTokens), 1e-12 * brute[1], "E[N] at M=" + maxTokens);
            assertEquals(brute[2], m.truncationProbability(maxTokens), 1e-12, "P(trunc) at M=" + maxTokens);
        }
    }

    @Test
    void fundamentalMatrixClosedFormEqualsForwardPropagationAtLargeLimit() {
        MarkovLanguageModel m = tinyChain();
        double ce = m.exactCanopyEntropy();
        double len = m.expectedLength();
        assertEquals(ce, m.exactCanopyEntropy(400), 1e-10 * ce);
        assertEquals(len, m.expectedLength(400), 1e-10 * len);
        // enumeration at 20 tokens is already within the (tiny) tail of the closed form
        double[] brute = bruteForce(m, 20);
        assertTrue(Math.abs(brute[0] - ce) < 0.05 * ce && brute[0] < ce + 1e-9);
        double[] visits = m.expectedVisits();
        assertEquals(len, visits[0] + visits[1] + visits[2], 1e-12 * len);
        assertEquals(1.0, visits[0], 1e-15, "the start state is visited exactly once");
    }

    @Test
    void closedFormsOfAChainWithIdenticalRowsAreThoseOfAGeometricLength() {
        double eos = 0.125;
        double[] row = {0.5 * (1 - eos), 0.3 * (1 - eos), 0.2 * (1 - eos), eos};
        MarkovLanguageModel m = MarkovLanguageModel.of(new double[][] {row, row, row, row});
        double h = 0;
        for (double p : row) {
            h -= p * Math.log(p);
        }
        assertEquals(h, m.stepEntropy(2), 1e-15);
        assertEquals(1 / eos, m.expectedLength(), 1e-12);
        assertEquals(h / eos, m.exactCanopyEntropy(), 1e-12);
    }

    @Test
    void statesUnreachableFromStartMayBeNonAbsorbingAndAreIgnored() {
        // token 1 is never emitted from reachable states; state 2 (after token 1) would loop forever
        MarkovLanguageModel m = MarkovLanguageModel.of(new double[][] {
            {1.0, 0.0, 0.0},
            {0.5, 0.0, 0.5},
            {0.0, 1.0, 0.0},
        });
        assertEquals(2.0 + 1.0, m.expectedLength(), 1e-12); // 1 start step + geometric(0.5) mean 2
        assertEquals(2 * Math.log(2), m.exactCanopyEntropy(), 1e-12);
    }

    @Test
    void invalidMatricesAreRejectedWithAClearMessage() {
        IllegalArgumentException e;
        e = assertThrows(IllegalArgumentException.class, () -> MarkovLanguageModel.of(new double[][] {{1.0}}));
        assertTrue(e.getMessage().contains("at least 2 rows"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> MarkovLanguageModel.of(new double[][] {{0.5, 0.5}, {1.0}}));
        assertTrue(e.getMessage().contains("row 1 must have 2 entries"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> MarkovLanguageModel.of(new double[][] {{1.5, -0.5}, {0.5, 0.5}}));
        assertTrue(e.getMessage().contains(">= 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> MarkovLanguageModel.of(new double[][] {{0.5, 0.5 + 1e-9}, {0.5, 0.5}}));
        assertTrue(e.getMessage().contains("sums to"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> MarkovLanguageModel.of(new double[][] {{Double.NaN, 1.0}, {0.5, 0.5}}));
        assertTrue(e.getMessage().contains("finite"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> MarkovLanguageModel.of(new double[][] {{1.0, 0.0}, {1.0, 0.0}}));
        assertTrue(e.getMessage().contains("not absorbing"), e.getMessage());
    }

    @Test
    void topLogprobsAreTheLargestPositiveEntriesInDescendingOrder() {
        MarkovLanguageModel m = MarkovLanguageModel.of(new double[][] {
            {0.2, 0.0, 0.5, 0.3},
            {0.25, 0.25, 0.25, 0.25},
            {0.0, 0.0, 0.0, 1.0},
            {0.0, 0.9, 0.0, 0.1},
        });
        assertArrayEquals(new double[] {Math.log(0.5), Math.log(0.3)}, m.topLogprobs(0, 2), 0.0);
        assertArrayEquals(new double[] {Math.log(0.5), Math.log(0.3), Math.log(0.2)}, m.topLogprobs(0, 10), 0.0);
        assertArrayEquals(new double[] {0.0}, m.topLogprobs(2, 5), 0.0);
        assertEquals(3, m.supportSize(0));
        assertEquals(Math.log(4), m.stepEntropy(1), 1e-15);
        assertEquals(0.0, m.stepEntropy(2));
        assertThrows(IllegalArgumentException.class, () -> m.topLogprobs(0, 0));
    }

    @Test
    void samplingIsDeterministicForASeedAndRespectsTheTokenLimit() {
        MarkovLanguageModel m = ModelStyles.tuned(3, 16);
        for (int i = 0; i < 50; i++) {
            assertEquals(m.sample(new SplittableRandom(i), 256), m.sample(new SplittableRandom(i), 256));
        }
        SplittableRandom rng = new SplittableRandom(5);
        int truncated = 0;
        for (int i = 0; i < 2000; i++) {
            SampledRollout r = m.sample(rng, 3);
            assertTrue(r.length() <= 3);
            SampledStep last = r.step(r.length() - 1);
            if (r.truncated()) {
                truncated++;
                assertEquals(3, r.length());
                assertNotEquals(m.eos(), last.token());
                assertEquals("length", r.finishReason());
            } else {
                assertEquals(m.eos(), last.token());
                assertEquals("stop", r.finishReason());
            }
            int state = 0;
            for (SampledStep s : r.steps()) {
                assertEquals(state, s.state());
                assertEquals(m.logprob(s.state(), s.token()), s.logprob());
                assertEquals(m.stepEntropy(s.state()), s.entropy());
                assertTrue(s.logprob() <= 0 && Double.isFinite(s.logprob()));
                state = s.token() == m.eos() ? -1 : MarkovLanguageModel.stateAfter(s.token());
            }
        }
        assertTrue(truncated > 0);
        assertThrows(IllegalArgumentException.class, () -> m.sample(rng, 0));
    }

    @Test
    void promptVariantsAreDeterministicKeepTheirSupportAndDifferInCanopyEntropy() {
        MarkovLanguageModel m = ModelStyles.tuned(11, 16);
        MarkovLanguageModel a = m.withPromptVariant(4);
        MarkovLanguageModel b = m.withPromptVariant(4);
        MarkovLanguageModel c = m.withPromptVariant(5);
        assertArrayEquals(a.row(0), b.row(0), 0.0);
        assertEquals(a.exactCanopyEntropy(), b.exactCanopyEntropy(), 0.0);
        assertNotEquals(a.exactCanopyEntropy(), c.exactCanopyEntropy());
        assertNotEquals(m.exactCanopyEntropy(), a.exactCanopyEntropy());
        for (int col = 0; col <= m.vocabularySize(); col++) {
            assertEquals(m.probability(0, col) > 0, a.probability(0, col) > 0);
        }
        for (int s = 1; s <= m.vocabularySize(); s++) {
            assertArrayEquals(m.row(s), a.row(s), 0.0);
        }
        assertEquals(1.0, java.util.Arrays.stream(a.row(0)).sum(), 1e-12);
        assertFalse(a == m);
    }

    @Test
    void withStartRowValidatesTheNewRow() {
        MarkovLanguageModel m = tinyChain();
        assertThrows(IllegalArgumentException.class, () -> m.withStartRow(new double[] {0.5, 0.5}));
        assertThrows(IllegalArgumentException.class, () -> m.withStartRow(new double[] {0.5, 0.6, -0.1}));
        MarkovLanguageModel eosOnly = m.withStartRow(new double[] {0, 0, 1});
        assertEquals(1.0, eosOnly.expectedLength(), 1e-15);
        assertEquals(0.0, eosOnly.exactCanopyEntropy(), 0.0);
    }
}
