package dev.canopy.analysis.compare;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A small version of {@code canopy validate-compare}: compare's flags must stay calibrated when nothing
 * changed, in the two regimes where the old percentile intervals failed worst (5 paired prompts with many
 * rollouts; 6 against 15 unpaired prompts with unequal rollouts), and must still see a real change.
 * docs/compare.md has the full run (200 pairs per regime).
 */
class CompareCalibrationTest {

    private static final int RUNS = 60;
    private static final long SEED = 11;

    private static ValidateCompareCommand.Tally noChange(String regime) {
        for (CompareSimulation.Regime r : CompareSimulation.REGIMES) {
            if (r.name().equals(regime)) {
                return ValidateCompareCommand.tally(r, CompareSimulation.Change.NONE, RUNS, SEED, 400, new AtomicInteger());
            }
        }
        throw new AssertionError(regime);
    }

    @Test
    void shouldFlagAtMostTheNominalShareWhenNothingChanged() {
        ValidateCompareCommand.Tally few = noChange("paired-5x200");
        ValidateCompareCommand.Tally unpaired = noChange("unpaired-6+15-unequal");
        int chosen = Intervals.CHOSEN.ordinal();
        int old = Intervals.Method.PERCENTILE.ordinal();
        // 120 no-change pairs; at the nominal 5% about 6 have a flag, and 15 or more has probability 0.1%.
        // The bound is loose on purpose: it fails for a real loss of calibration, not for chance.
        int flagged = few.anyFamily[chosen] + unpaired.anyFamily[chosen];
        assertTrue(flagged <= 14, "no-change pairs with a flag: " + flagged + " of " + 2 * RUNS);
        // and the check has teeth: the percentile intervals compare used before fail it on the same pairs
        int oldFlagged = few.anyFamily[old] + unpaired.anyFamily[old];
        assertTrue(oldFlagged > 14, "percentile intervals flagged " + oldFlagged + " of " + 2 * RUNS);

        // each metric on its own: its marginal interval holds 0 in about 95% of pairs (14 or more of 120 at a
        // true 5% has probability 0.3% per metric; the percentile intervals reach 20% and more in the first regime)
        for (Metric m : Metric.values()) {
            int k = few.marginal[chosen][m.ordinal()] + unpaired.marginal[chosen][m.ordinal()];
            assertTrue(k <= 13, m.key() + ": " + k + " of " + 2 * RUNS + " marginal intervals exclude 0");
        }
        int oldWorst = 0;
        for (Metric m : Metric.values()) {
            oldWorst = Math.max(oldWorst, few.marginal[old][m.ordinal()] + unpaired.marginal[old][m.ordinal()]);
        }
        assertTrue(oldWorst > 13, "percentile worst metric: " + oldWorst);
    }

    @Test
    void shouldStillFlagAKnownChange() {
        CompareSimulation.Regime regime = CompareSimulation.REGIMES[1];
        assertEquals("paired-8x24", regime.name());
        ValidateCompareCommand.Tally t = ValidateCompareCommand.tally(regime, CompareSimulation.Change.TUNED, 10, SEED, 200, new AtomicInteger());
        assertEquals(10, t.family[Intervals.CHOSEN.ordinal()][Metric.PEARSON.ordinal()], "base to tuned flips rho(N, r): flagged every time");
        assertEquals(10, t.family[Intervals.CHOSEN.ordinal()][Metric.MEAN_ENTROPY_RATE.ordinal()]);
    }
}
