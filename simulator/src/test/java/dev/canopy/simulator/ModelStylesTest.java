package dev.canopy.simulator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;

import org.apache.commons.math3.stat.correlation.PearsonsCorrelation;
import org.junit.jupiter.api.Test;

class ModelStylesTest {

    private static final int ROLLOUTS = 4000;
    private static final int MAX_TOKENS = 256;

    /** {Pearson rho(N, r), mean N, truncation share} over ROLLOUTS samples. */
    static double[] measure(MarkovLanguageModel m, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[] n = new double[ROLLOUTS];
        double[] r = new double[ROLLOUTS];
        double sumN = 0;
        int truncated = 0;
        for (int i = 0; i < ROLLOUTS; i++) {
            SampledRollout ro = m.sample(rng, MAX_TOKENS);
            n[i] = ro.length();
            r[i] = ro.entropySum() / Math.max(ro.length(), 1);
            sumN += ro.length();
            truncated += ro.truncated() ? 1 : 0;
        }
        return new double[] {new PearsonsCorrelation().correlation(n, r), sumN / ROLLOUTS, (double) truncated / ROLLOUTS};
    }

    @Test
    void tunedStyleHasClearlyHigherLengthEntropyRateCorrelationThanBaseStyle() {
        for (long seed = 1; seed <= 3; seed++) {
            MarkovLanguageModel base = ModelStyles.base(seed, 32);
            MarkovLanguageModel tuned = ModelStyles.tuned(seed, 32);
            double[] b = measure(base, 100 + seed);
            double[] t = measure(tuned, 200 + seed);
            System.out.printf("seed %d vocab 32, %d rollouts: base rho=%.3f meanN=%.1f E[N]=%.2f CE*=%.2f trunc=%.4f | "
                            + "tuned rho=%.3f meanN=%.1f E[N]=%.2f CE*=%.2f trunc=%.4f%n",
                    seed, ROLLOUTS, b[0], b[1], base.expectedLength(MAX_TOKENS), base.exactCanopyEntropy(MAX_TOKENS), b[2],
                    t[0], t[1], tuned.expectedLength(MAX_TOKENS), tuned.exactCanopyEntropy(MAX_TOKENS), t[2]);
            assertTrue(b[0] <= 0.05, "base rho should be about zero or negative: " + b[0]);
            assertTrue(t[0] >= 0.3, "tuned rho should be about +0.3 or more: " + t[0]);
            assertTrue(t[0] - b[0] >= 0.4, "margin " + (t[0] - b[0]));
            for (double[] x : new double[][] {b, t}) {
                assertTrue(x[1] >= 20 && x[1] <= 80, "mean length in the tens: " + x[1]);
                assertTrue(x[2] < 0.02, "truncation at 256 is rare: " + x[2]);
            }
        }
    }

    @Test
    void promptVariantsOfTheTunedStyleKeepAPositiveCorrelation() {
        MarkovLanguageModel tuned = ModelStyles.tuned(5, 32);
        for (int p = 0; p < 3; p++) {
            double[] t = measure(tuned.withPromptVariant(p), 300 + p);
            assertTrue(t[0] >= 0.2, "prompt " + p + " rho " + t[0]);
        }
    }

    @Test
    void stylesAreDeterministicFunctionsOfSeedAndVocabulary() {
        for (ModelStyles.Style style : ModelStyles.Style.values()) {
            double[][] a = style.create(42, 20).rows();
            double[][] b = style.create(42, 20).rows();
            for (int s = 0; s < a.length; s++) {
                assertArrayEquals(a[s], b[s], 0.0);
            }
            assertTrue(style.create(43, 20).exactCanopyEntropy() != style.create(42, 20).exactCanopyEntropy());
        }
        assertThrows(IllegalArgumentException.class, () -> ModelStyles.base(1, ModelStyles.MIN_VOCAB - 1));
        assertThrows(IllegalArgumentException.class, () -> ModelStyles.tuned(1, 3));
        // odd and large vocabularies build valid absorbing chains
        assertTrue(ModelStyles.tuned(1, 9).expectedLength() > 1);
        assertTrue(ModelStyles.base(1, 200).expectedLength() > 1);
    }
}
