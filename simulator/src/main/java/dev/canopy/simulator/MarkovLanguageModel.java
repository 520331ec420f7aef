package dev.canopy.simulator;

import java.util.Arrays;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * A small simulated language model: an absorbing Markov chain over a vocabulary of V tokens plus EOS,
 * whose canopy entropy and expected length are known in closed form.
 *
 * <h2>Structure</h2>
 * <ul>
 *   <li>Tokens are {@code 0..V-1}; EOS is token {@code V} (see {@link #eos()}).</li>
 *   <li>Transient states are {@code 0..V}: state 0 is the start (empty prefix), state {@code 1 + v} is
 *       "the last emitted token was v". The next state is therefore a function of the sampled token only;
 *       state 0 is visited exactly once, at position 0.</li>
 *   <li>Row {@code s} of the {@code (V+1) x (V+1)} row-stochastic matrix is the next-token distribution in
 *       state {@code s}: columns {@code 0..V-1} are tokens, column {@code V} is EOS.</li>
 *   <li>Sampling EOS ends the rollout, and the EOS step counts as a generated token: a rollout that
 *       emits k ordinary tokens and then EOS has length N = k + 1. A rollout cut off by a token limit
 *       M has N = M and no EOS (contract finish_reason "length").</li>
 * </ul>
 *
 * <h2>Closed forms</h2>
 * With Q the transient-to-transient block and F = (I - Q)^-1 the fundamental matrix, F[0,j] is the
 * expected number of visits to state j starting from the start state, and every visit emits exactly one
 * token (the last one being EOS). By the chain rule, CE* = H(N, Y_1:N | X) = sum_j F[0,j] h_j with h_j the
 * entropy of row j, and E[N] = sum_j F[0,j]. For generation truncated at M tokens the same sums are taken
 * over the sub-stochastic occupancy of steps t &lt; M (forward propagation, O(M V^2)). The computations
 * are in {@link ChainClosedForms}; validation and the per-row tables in {@link ChainRows}.
 *
 * <h2>Limits</h2>
 * Instances are immutable and thread-safe (the untruncated closed forms are computed lazily and cached;
 * concurrent first calls may compute them twice, with identical results). Memory is O(V^2) doubles (probabilities,
 * cumulative rows, log rows and sorted log rows are all precomputed), so V up to a few hundred is the
 * intended range. All entropies and log-probabilities are in nats.
 */
public final class MarkovLanguageModel {

    /** Tolerance on each row sum accepted by {@link #of(double[][])}. */
    public static final double ROW_SUM_TOLERANCE = 1e-12;

    /** Steps buffered before a sampled rollout's step array first grows. */
    private static final int INITIAL_STEP_CAPACITY = 64;
    /** Standard deviation of the log of a prompt variant's start-row factors. */
    private static final double PROMPT_VARIANT_SIGMA = 0.75;
    /** Multiplier of the prompt-variant seed (the 64-bit golden ratio, as in SplittableRandom). */
    private static final long PROMPT_SEED_MULTIPLIER = 0x9E3779B97F4A7C15L;
    /** Added to the prompt index before the multiplication. */
    private static final long PROMPT_SEED_OFFSET = 0x632BE59BD9B4E019L;

    private final int vocab;
    /** probabilities, [V+1][V+1]. */
    private final double[][] p;
    /** cumulative probabilities per row (plain left-to-right sums). */
    private final double[][] cum;
    /** natural logs of the probabilities (-Infinity for zeros). */
    private final double[][] logp;
    /** descending log-probabilities of the positive entries of each row. */
    private final double[][] sortedLog;
    /** last column with a positive probability, per row. */
    private final int[] lastPositive;
    /** exact step entropy per state. */
    private final double[] h;
    /** the tables the fields above come from, kept so that {@link #withStartRow} can share their rows. */
    private final ChainRows.Tables tables;
    /** cached untruncated closed forms, or null before the first call. */
    private volatile ChainClosedForms.Untruncated closedForm;

    private MarkovLanguageModel(int vocab, double[][] p, ChainRows.Tables tables) {
        this.vocab = vocab;
        this.p = p;
        this.cum = tables.cum();
        this.logp = tables.logp();
        this.sortedLog = tables.sortedLog();
        this.lastPositive = tables.lastPositive();
        this.h = tables.h();
        this.tables = tables;
    }

    /**
     * Builds a model from its transition matrix.
     *
     * @param rows {@code (V+1) x (V+1)} matrix, V &gt;= 1; row s is the next-token distribution in state s
     *             (columns 0..V-1 tokens, column V EOS). Copied; the caller may reuse the array.
     * @return the model
     * @throws IllegalArgumentException if the shape is wrong, an entry is negative or not finite, a row does
     *                                  not sum to 1 within {@link #ROW_SUM_TOLERANCE}, or some state reachable
     *                                  from the start cannot reach EOS (the chain would not be absorbing, so
     *                                  a rollout could run forever with positive probability)
     */
    public static MarkovLanguageModel of(double[][] rows) {
        Objects.requireNonNull(rows, "rows");
        if (rows.length < 2) {
            throw new IllegalArgumentException("need at least 2 rows (V >= 1 tokens plus the start state), got " + rows.length);
        }
        int n = rows.length;
        int vocab = n - 1;
        double[][] p = new double[n][];
        for (int s = 0; s < n; s++) {
            double[] row = rows[s];
            if (row == null || row.length != n) {
                throw new IllegalArgumentException("row " + s + " must have " + n + " entries (V=" + vocab
                        + " tokens plus EOS), got " + (row == null ? "null" : row.length));
            }
            ChainRows.requireDistribution(row, "row " + s);
            p[s] = row.clone();
        }
        ChainRows.checkAbsorbing(p, vocab);
        return new MarkovLanguageModel(vocab, p, ChainRows.Tables.of(p));
    }

    /** V, the number of ordinary tokens (EOS excluded). */
    public int vocabularySize() {
        return vocab;
    }

    /** The EOS token id, equal to {@link #vocabularySize()}. */
    public int eos() {
        return vocab;
    }

    /** Number of transient states, V + 1 (start plus one per token). */
    public int stateCount() {
        return vocab + 1;
    }

    /** The state entered after emitting an ordinary token v ({@code 1 + v}). */
    public static int stateAfter(int token) {
        return 1 + token;
    }

    /**
     * The probability of a token (or EOS, column V) in a state.
     *
     * @throws IndexOutOfBoundsException for a state or column outside 0..V
     */
    public double probability(int state, int column) {
        return p[state][column];
    }

    /** A copy of row {@code state} of the transition matrix (V + 1 entries, EOS last). */
    public double[] row(int state) {
        return p[state].clone();
    }

    /** A copy of the whole transition matrix. */
    public double[][] rows() {
        double[][] out = new double[p.length][];
        for (int s = 0; s < p.length; s++) {
            out[s] = p[s].clone();
        }
        return out;
    }

    /**
     * The exact entropy in nats of the next-token distribution in a state, EOS included as a candidate
     * (0 log 0 = 0).
     */
    public double stepEntropy(int state) {
        return h[state];
    }

    /**
     * The k largest log-probabilities (nats) of a state's row, in descending order. Zero-probability
     * entries are excluded, so fewer than k values are returned when the row has fewer than k positive
     * entries. Returns a fresh array (a prefix copy of a cached sorted row).
     *
     * @throws IllegalArgumentException if k &lt; 1
     */
    public double[] topLogprobs(int state, int k) {
        if (k < 1) {
            throw new IllegalArgumentException("k must be >= 1, got " + k);
        }
        double[] sorted = sortedLog[state];
        return Arrays.copyOf(sorted, Math.min(k, sorted.length));
    }

    /** Number of positive-probability candidates (support size, EOS included) in a state. */
    public int supportSize(int state) {
        return sortedLog[state].length;
    }

    /**
     * Closed-form canopy entropy CE* = H(N, Y_1:N | X) in nats of untruncated generation,
     * sum_j F[0,j] h_j with F the fundamental matrix (LU solve over the states reachable from the start).
     */
    public double exactCanopyEntropy() {
        return closedForm().canopyEntropy();
    }

    /** Closed-form expected length E[N] of untruncated generation (the EOS step counted), sum_j F[0,j]. */
    public double expectedLength() {
        return closedForm().expectedLength();
    }

    /**
     * Expected number of visits F[0,j] to every state j (0 for states unreachable from the start).
     * Visit counts sum to {@link #expectedLength()}.
     */
    public double[] expectedVisits() {
        return closedForm().visits().clone();
    }

    private ChainClosedForms.Untruncated closedForm() {
        ChainClosedForms.Untruncated cf = closedForm;
        if (cf == null) {
            cf = ChainClosedForms.untruncated(p, h, vocab);
            closedForm = cf;
        }
        return cf;
    }

    /**
     * Exact canopy entropy of generation truncated at {@code maxTokens} tokens (a rollout that has not
     * sampled EOS after maxTokens tokens ends with finish_reason "length" and N = maxTokens): the sum over
     * steps t &lt; maxTokens of the expected step entropy under the sub-stochastic state occupancy.
     * Cost O(maxTokens V^2). Converges to {@link #exactCanopyEntropy()} as maxTokens grows.
     *
     * @throws IllegalArgumentException if maxTokens &lt; 1
     */
    public double exactCanopyEntropy(int maxTokens) {
        return truncated(maxTokens).canopyEntropy();
    }

    /**
     * Exact expected length E[min(N, maxTokens)] of generation truncated at {@code maxTokens} tokens,
     * i.e. sum over t &lt; maxTokens of P(N &gt; t).
     *
     * @throws IllegalArgumentException if maxTokens &lt; 1
     */
    public double expectedLength(int maxTokens) {
        return truncated(maxTokens).expectedLength();
    }

    /**
     * Exact probability that generation truncated at {@code maxTokens} hits the limit without EOS.
     *
     * @throws IllegalArgumentException if maxTokens &lt; 1
     */
    public double truncationProbability(int maxTokens) {
        return truncated(maxTokens).truncationProbability();
    }

    private ChainClosedForms.Truncated truncated(int maxTokens) {
        if (maxTokens < 1) {
            throw new IllegalArgumentException("maxTokens must be >= 1, got " + maxTokens);
        }
        return ChainClosedForms.truncated(p, h, vocab, maxTokens);
    }

    /**
     * Samples one rollout. Each step draws the next token from the current state's row by binary search
     * on the precomputed cumulative row (O(log V) per token), records the token's log-probability and the
     * state's exact entropy, and stops after EOS or after {@code maxTokens} tokens (then
     * {@link SampledRollout#truncated()} is true).
     *
     * @param rng       the randomness source (only {@link RandomGenerator#nextDouble()} is used, once per token)
     * @param maxTokens the token limit, &gt;= 1
     * @throws IllegalArgumentException if maxTokens &lt; 1
     */
    public SampledRollout sample(RandomGenerator rng, int maxTokens) {
        if (maxTokens < 1) {
            throw new IllegalArgumentException("maxTokens must be >= 1, got " + maxTokens);
        }
        SampledStep[] buf = new SampledStep[Math.min(maxTokens, INITIAL_STEP_CAPACITY)];
        int state = 0;
        int len = 0;
        while (len < maxTokens) {
            int token = draw(state, rng.nextDouble());
            if (len == buf.length) {
                buf = Arrays.copyOf(buf, Math.min(maxTokens, buf.length * 2));
            }
            buf[len++] = new SampledStep(state, token, logp[state][token], h[state]);
            if (token == vocab) {
                return new SampledRollout(len == buf.length ? buf : Arrays.copyOf(buf, len), false);
            }
            state = stateAfter(token);
        }
        return new SampledRollout(len == buf.length ? buf : Arrays.copyOf(buf, len), true);
    }

    /** Inverse-CDF draw of a column from row {@code state} for a uniform in [0, 1). */
    int draw(int state, double uniform) {
        double[] c = cum[state];
        double u = uniform * c[c.length - 1];
        int lo = 0;
        int hi = c.length - 1;
        while (lo < hi) { // smallest index with c[index] > u
            int mid = (lo + hi) >>> 1;
            if (c[mid] > u) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        if (!(c[lo] > u) || p[state][lo] == 0) {
            return lastPositive[state]; // rounding at the very top of the row
        }
        return lo;
    }

    /**
     * Log-probability of the column {@code column} in {@code state} ({@code -Infinity} when it is 0).
     */
    public double logprob(int state, int column) {
        return logp[state][column];
    }

    /**
     * A copy of this model with a different start row (the next-token distribution of the empty prefix).
     * All other rows, and their precomputed data, are shared.
     *
     * @param startRow V + 1 probabilities, EOS last, summing to 1 within {@link #ROW_SUM_TOLERANCE}
     * @throws IllegalArgumentException as {@link #of(double[][])} for an invalid row or a resulting chain that
     *                                  is not absorbing
     */
    public MarkovLanguageModel withStartRow(double[] startRow) {
        Objects.requireNonNull(startRow, "startRow");
        // validate row 0 exactly as of() does; the other rows are known valid and are shared
        if (startRow.length != vocab + 1) {
            throw new IllegalArgumentException("start row must have " + (vocab + 1) + " entries, got " + startRow.length);
        }
        ChainRows.requireDistribution(startRow, "start row");
        double[][] np = p.clone(); // shallow copy: rows 1..V shared
        np[0] = startRow.clone();
        ChainRows.checkAbsorbing(np, vocab);
        return new MarkovLanguageModel(vocab, np, tables.withStartRow(np[0]));
    }

    /**
     * A per-prompt variant: the start row's positive entries are multiplied by independent log-normal
     * factors (sigma 0.75) drawn deterministically from this model's matrix and {@code promptIndex}, then
     * renormalised. The support of the start row is unchanged, so the chain stays absorbing, and the
     * variant's CE* and E[N] are again known in closed form. Different prompt indices give (almost surely)
     * different CE*; the same index on the same model always gives the same variant.
     */
    public MarkovLanguageModel withPromptVariant(int promptIndex) {
        long seed = PROMPT_SEED_MULTIPLIER * (promptIndex + PROMPT_SEED_OFFSET) ^ Arrays.deepHashCode(p);
        SplittableRandom rng = new SplittableRandom(seed);
        double[] row = p[0].clone();
        double sum = 0;
        for (int c = 0; c < row.length; c++) {
            if (row[c] > 0) {
                row[c] *= Math.exp(PROMPT_VARIANT_SIGMA * rng.nextGaussian());
                sum += row[c];
            }
        }
        for (int c = 0; c < row.length; c++) {
            row[c] /= sum;
        }
        normaliseExactly(row);
        return withStartRow(row);
    }

    /** Pushes the rounding error of a normalised row into its largest entry so it sums to 1 within 1e-15. */
    static void normaliseExactly(double[] row) {
        double sum = 0;
        int max = 0;
        for (int c = 0; c < row.length; c++) {
            sum += row[c];
            if (row[c] > row[max]) {
                max = c;
            }
        }
        row[max] += 1.0 - sum;
    }

    @Override
    public String toString() {
        return "MarkovLanguageModel[V=" + vocab + "]";
    }
}
