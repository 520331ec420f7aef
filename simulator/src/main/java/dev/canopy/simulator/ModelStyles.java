package dev.canopy.simulator;

import java.util.SplittableRandom;

/**
 * Factories for the two model styles the paper contrasts, built as absorbing chains so that CE* and
 * E[N] stay known in closed form. Every factory is a pure function of its arguments (same seed and
 * vocabulary, same matrix, bit for bit).
 *
 * <h2>{@link #base base}: pre-trained-like, rho(N, r) &lt; 0</h2>
 * The vocabulary is split into a "fluent" block (the first three quarters) and a "repetition" block (the
 * last quarter). The start row and the fluent rows are moderately spread over fluent tokens; fluent rows end
 * with probability about 1/30 per step and slip into the repetition block with probability about 0.008 per
 * step. Repetition rows form a near-deterministic cycle (the next token of the cycle takes 0.7 of the
 * non-EOS mass, so their entropy is well below the fluent rows') that ends with probability about 1/35 per
 * step. Long rollouts are mostly the ones that fell into a loop, so they carry <em>less</em> entropy per
 * token: rho(N, r) is negative.
 * <br>Measured by {@code ModelStylesTest} (vocab 32, 4000 rollouts each, maxTokens 256, seeds 1, 2, 3):
 * Pearson rho(N, r) = -0.37, -0.43, -0.43; mean length 30.6, 31.7, 32.5 (exact E[N] 31.1, 31.7, 32.5);
 * truncation rate 0.03-0.05%. Vocabularies 16, 64, 128 with seeds 1-5 give rho from -0.38 to -0.49 and mean
 * lengths 30-34.
 *
 * <h2>{@link #tuned tuned}: fine-tuned-like, rho(N, r) clearly positive</h2>
 * The first token selects a mode (short with probability 0.4-0.6, from the seed). The first half of the
 * vocabulary is a short, confident mode (peaked rows, EOS about 1/12 per step); the second half a long,
 * exploratory mode (near-uniform rows over its block, EOS about 1/55 per step). The blocks do not
 * communicate, so each rollout stays in its mode: longer rollouts are the exploratory ones and carry more
 * entropy per token.
 * <br>Measured by {@code ModelStylesTest} (vocab 32, 4000 rollouts each, maxTokens 256, seeds 1, 2, 3):
 * Pearson rho(N, r) = +0.37, +0.40, +0.49; mean length 38.2, 36.3, 33.4 (exact E[N] 37.6, 36.5, 33.1);
 * truncation rate 0.4-0.6%. Vocabularies 16, 64, 128 with seeds 1-5 give rho from +0.38 to +0.48 and mean
 * lengths 30-42.
 *
 * <p>In these figures each rollout's first (start) step and its EOS step count in N and in r, as in the
 * monitor; the test prints them on every run. Per-prompt variants come from {@link MarkovLanguageModel#withPromptVariant(int)} or {@link #promptVariant}.
 *
 * <p>Limits: {@code vocab} must be at least 8 so that both blocks have several tokens; the matrices are dense
 * (V+1)^2, so keep vocab in the tens to low hundreds.
 */
public final class ModelStyles {

    /** Smallest vocabulary the factories accept. */
    public static final int MIN_VOCAB = 8;

    /** The styles, for configuration by name. */
    public enum Style {
        /** See {@link ModelStyles#base(long, int)}. */
        BASE,
        /** See {@link ModelStyles#tuned(long, int)}. */
        TUNED;

        /** Builds a model of this style. */
        public MarkovLanguageModel create(long seed, int vocab) {
            return this == BASE ? base(seed, vocab) : tuned(seed, vocab);
        }
    }

    private ModelStyles() {
    }

    /**
     * A pre-trained-like model: rollouts can fall into a low-entropy repetition loop that also ends late,
     * so rho(N, r) is negative. See the class documentation for the measured figures.
     *
     * @throws IllegalArgumentException if vocab &lt; {@link #MIN_VOCAB}
     */
    public static MarkovLanguageModel base(long seed, int vocab) {
        checkVocab(vocab);
        SplittableRandom rng = new SplittableRandom(seed ^ 0xB45EL);
        int fluent = (vocab * 3) / 4;
        int rep = vocab - fluent;
        double[][] rows = new double[vocab + 1][vocab + 1];
        // start: spread over fluent tokens
        fill(rows[0], 0, fluent, 1.0, weights(rng, fluent, 1.0));
        for (int v = 0; v < vocab; v++) {
            double[] row = rows[1 + v];
            if (v < fluent) {
                double eos = jitter(rng, 1.0 / 30);
                double toLoop = jitter(rng, 0.008);
                row[vocab] = eos;
                fill(row, 0, fluent, 1.0 - eos - toLoop, weights(rng, fluent, 1.0));
                fill(row, fluent, rep, toLoop, weights(rng, rep, 1.0));
            } else {
                double eos = jitter(rng, 1.0 / 35);
                row[vocab] = eos;
                int i = v - fluent;
                double[] w = weights(rng, rep, 0.5);
                double rest = sum(w) - w[(i + 1) % rep];
                // dominant successor (the next token of the cycle) gets 0.9 of the non-EOS mass
                for (int j = 0; j < rep; j++) {
                    w[j] = j == (i + 1) % rep ? 0.7 : 0.3 * w[j] / rest;
                }
                fill(row, fluent, rep, 1.0 - eos, w);
            }
        }
        return finish(rows);
    }

    /**
     * A fine-tuned-like model: the first token picks a short confident mode or a long exploratory mode,
     * so rho(N, r) is clearly positive. See the class documentation for the measured figures.
     *
     * @throws IllegalArgumentException if vocab &lt; {@link #MIN_VOCAB}
     */
    public static MarkovLanguageModel tuned(long seed, int vocab) {
        checkVocab(vocab);
        SplittableRandom rng = new SplittableRandom(seed ^ 0x7E4EDL);
        int shortBlock = vocab / 2;
        int longBlock = vocab - shortBlock;
        double[][] rows = new double[vocab + 1][vocab + 1];
        double pShort = 0.4 + 0.2 * rng.nextDouble();
        fill(rows[0], 0, shortBlock, pShort, weights(rng, shortBlock, 2.5));
        fill(rows[0], shortBlock, longBlock, 1.0 - pShort, weights(rng, longBlock, 0.5));
        for (int v = 0; v < vocab; v++) {
            double[] row = rows[1 + v];
            if (v < shortBlock) {
                double eos = jitter(rng, 1.0 / 12);
                row[vocab] = eos;
                fill(row, 0, shortBlock, 1.0 - eos, weights(rng, shortBlock, 2.5));
            } else {
                double eos = jitter(rng, 1.0 / 55);
                row[vocab] = eos;
                fill(row, shortBlock, longBlock, 1.0 - eos, weights(rng, longBlock, 0.5));
            }
        }
        return finish(rows);
    }

    /**
     * A per-prompt variant of a model: same as {@code model.withPromptVariant(promptIndex)}.
     */
    public static MarkovLanguageModel promptVariant(MarkovLanguageModel model, int promptIndex) {
        return model.withPromptVariant(promptIndex);
    }

    private static void checkVocab(int vocab) {
        if (vocab < MIN_VOCAB) {
            throw new IllegalArgumentException("vocab must be >= " + MIN_VOCAB + ", got " + vocab);
        }
    }

    /** Log-normal weights exp(sigma z): sigma near 0 is near uniform, large sigma is peaked. */
    private static double[] weights(SplittableRandom rng, int k, double sigma) {
        double[] w = new double[k];
        for (int j = 0; j < k; j++) {
            w[j] = Math.exp(sigma * rng.nextGaussian());
        }
        return w;
    }

    /** Multiplies a nominal probability by a factor in [0.7, 1.3). */
    private static double jitter(SplittableRandom rng, double nominal) {
        return nominal * (0.7 + 0.6 * rng.nextDouble());
    }

    private static double sum(double[] w) {
        double s = 0;
        for (double x : w) {
            s += x;
        }
        return s;
    }

    /** Writes {@code mass * w / sum(w)} into row[from .. from + w.length). */
    private static void fill(double[] row, int from, int count, double mass, double[] w) {
        double s = sum(w);
        for (int j = 0; j < count; j++) {
            row[from + j] = mass * w[j] / s;
        }
    }

    private static MarkovLanguageModel finish(double[][] rows) {
        for (double[] row : rows) {
            MarkovLanguageModel.normaliseExactly(row);
        }
        return MarkovLanguageModel.of(rows);
    }
}
