package dev.canopy.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The closed forms against the rows they are computed from ({@link ChainRows}), and the fundamental-matrix
 * solve against forward propagation, which reaches the same numbers by a different road.
 */
class ChainClosedFormsTest {

    private static final int LONG_LIMIT = 2_000;

    @ParameterizedTest(name = "{0} seed {1} vocab {2}")
    @CsvSource({"BASE, 1, 8", "TUNED, 2, 16", "BASE, 3, 24"})
    void shouldAgreeWithForwardPropagationRunLongEnoughForTheTailToVanish(ModelStyles.Style style, long seed, int vocab) {
        double[][] p = style.create(seed, vocab).withPromptVariant(1).rows();
        double[] h = ChainRows.Tables.of(p).h();
        ChainClosedForms.Untruncated exact = ChainClosedForms.untruncated(p, h, vocab);
        ChainClosedForms.Truncated longRun = ChainClosedForms.truncated(p, h, vocab, LONG_LIMIT);
        assertTrue(longRun.truncationProbability() < 1e-12, "tail left: " + longRun.truncationProbability());
        assertEquals(exact.canopyEntropy(), longRun.canopyEntropy(), 1e-9 * exact.canopyEntropy());
        assertEquals(exact.expectedLength(), longRun.expectedLength(), 1e-9 * exact.expectedLength());
    }

    @Test
    void shouldWeighEachRowsEntropyByItsExpectedVisits() {
        double[][] p = ModelStyles.tuned(5, 12).rows();
        double[] h = ChainRows.Tables.of(p).h();
        ChainClosedForms.Untruncated cf = ChainClosedForms.untruncated(p, h, 12);
        double ce = 0;
        double len = 0;
        for (int s = 0; s < p.length; s++) {
            ce += cf.visits()[s] * h[s];
            len += cf.visits()[s];
        }
        assertEquals(cf.canopyEntropy(), ce, 1e-12 * ce);
        assertEquals(cf.expectedLength(), len, 1e-12 * len);
        assertEquals(1.0, cf.visits()[0], 1e-12, "the start state is visited exactly once");
    }

    @Test
    void shouldGiveNoVisitsToStatesTheStartCannotReach() {
        double[][] p = {
            {0.5, 0.5, 0.0, 0.0},
            {0.0, 0.7, 0.0, 0.3},
            {0.6, 0.0, 0.0, 0.4},
            {0.0, 0.0, 1.0, 0.0}, // unreachable, and would loop forever
        };
        double[] h = ChainRows.Tables.of(p).h();
        boolean[] reachable = ChainRows.reachableFromStart(p, 3);
        ChainClosedForms.Untruncated cf = ChainClosedForms.untruncated(p, h, 3);
        for (int s = 0; s < p.length; s++) {
            assertEquals(reachable[s], cf.visits()[s] > 0, "state " + s);
        }
        assertEquals(0.0, cf.visits()[3]);
    }

    @Test
    void shouldSpendTheFirstStepInTheStartStateAlone() {
        double[][] p = ModelStyles.base(6, 10).rows();
        double[] h = ChainRows.Tables.of(p).h();
        ChainClosedForms.Truncated one = ChainClosedForms.truncated(p, h, 10, 1);
        assertEquals(h[0], one.canopyEntropy(), 0.0);
        assertEquals(1.0, one.expectedLength(), 0.0);
        assertEquals(1.0 - p[0][10], one.truncationProbability(), 1e-15, "truncated unless EOS came first");
    }

    @Test
    void shouldGrowWithTheLimitTowardsTheUntruncatedValues() {
        double[][] p = ModelStyles.tuned(7, 16).rows();
        double[] h = ChainRows.Tables.of(p).h();
        ChainClosedForms.Untruncated exact = ChainClosedForms.untruncated(p, h, 16);
        ChainClosedForms.Truncated previous = ChainClosedForms.truncated(p, h, 16, 1);
        for (int limit = 2; limit <= 64; limit *= 2) {
            ChainClosedForms.Truncated t = ChainClosedForms.truncated(p, h, 16, limit);
            assertTrue(t.canopyEntropy() >= previous.canopyEntropy(), "CE* at " + limit);
            assertTrue(t.expectedLength() >= previous.expectedLength(), "E[N] at " + limit);
            assertTrue(t.truncationProbability() <= previous.truncationProbability(), "P(trunc) at " + limit);
            assertTrue(t.canopyEntropy() <= exact.canopyEntropy() + 1e-9);
            previous = t;
        }
    }
}
