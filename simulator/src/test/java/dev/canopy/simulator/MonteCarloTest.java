package dev.canopy.simulator;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Sampled rollouts agree with the closed forms within 4 standard errors. */
class MonteCarloTest {

    @ParameterizedTest(name = "{0} seed {1} vocab {2} maxTokens {3}")
    @CsvSource({
        "TUNED, 7, 16, 256",
        "BASE, 7, 24, 256",
        "TUNED, 8, 32, 12", // heavy truncation
    })
    void sampleMeansOfEntropySurprisalAndLengthMatchTheExactValues(ModelStyles.Style style, long seed, int vocab,
                                                                   int maxTokens) {
        MarkovLanguageModel m = style.create(seed, vocab).withPromptVariant(3);
        SplittableRandom rng = new SplittableRandom(seed * 1000 + vocab);
        int n = 20_000;
        Moments entropy = new Moments();
        Moments surprisal = new Moments();
        Moments length = new Moments();
        Moments truncated = new Moments();
        for (int i = 0; i < n; i++) {
            SampledRollout r = m.sample(rng, maxTokens);
            entropy.add(r.entropySum());
            surprisal.add(r.surprisalSum());
            length.add(r.length());
            truncated.add(r.truncated() ? 1 : 0);
        }
        double ce = m.exactCanopyEntropy(maxTokens);
        double len = m.expectedLength(maxTokens);
        System.out.printf("%s seed=%d V=%d M=%d: CE*=%.4f mean H_sum=%.4f (se %.4f) mean surprisal=%.4f (se %.4f); "
                        + "E[N]=%.4f mean N=%.4f (se %.4f); P(trunc)=%.4f observed %.4f%n",
                style, seed, vocab, maxTokens, ce, entropy.mean(), entropy.se(), surprisal.mean(), surprisal.se(),
                len, length.mean(), length.se(), m.truncationProbability(maxTokens), truncated.mean());
        assertWithin(ce, entropy, "sum of step entropies");
        assertWithin(ce, surprisal, "surprisal");
        assertWithin(len, length, "length");
        assertWithin(m.truncationProbability(maxTokens), truncated, "truncation rate");
    }

    private static void assertWithin(double exact, Moments sample, String what) {
        double z = Math.abs(sample.mean() - exact) / sample.se();
        assertTrue(z < 4, what + ": exact " + exact + ", sample mean " + sample.mean() + ", z = " + z);
    }

    /** Welford running mean and variance. */
    static final class Moments {
        private long n;
        private double mean;
        private double m2;

        void add(double x) {
            n++;
            double d = x - mean;
            mean += d / n;
            m2 += d * (x - mean);
        }

        double mean() {
            return mean;
        }

        double se() {
            return Math.sqrt(m2 / (n - 1) / n);
        }
    }
}
