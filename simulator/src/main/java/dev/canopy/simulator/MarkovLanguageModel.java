package dev.canopy.simulator;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.ArrayRealVector;
import org.apache.commons.math3.linear.DecompositionSolver;
import org.apache.commons.math3.linear.LUDecomposition;
import org.apache.commons.math3.linear.RealVector;
import org.apache.commons.math3.linear.SingularMatrixException;

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
 * over the sub-stochastic occupancy of steps t &lt; M (forward propagation, O(M V^2)).
 *
 * <h2>Limits</h2>
 * Instances are immutable and thread-safe (the closed forms are computed lazily and cached; concurrent
 * first calls may compute them twice, with identical results). Memory is O(V^2) doubles (probabilities,
 * cumulative rows, log rows and sorted log rows are all precomputed), so V up to a few hundred is the
 * intended range. All entropies and log-probabilities are in nats.
 */
public final class MarkovLanguageModel {

    /** Tolerance on each row sum accepted by {@link #of(double[][])}. */
    public static final double ROW_SUM_TOLERANCE = 1e-12;

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
    /** cached {CE*, E[N]} or null. */
    private volatile double[] closedForm;
    /** cached F[0,j] per state; written before {@link #closedForm}. */
    private volatile double[] visitsCache;

    private MarkovLanguageModel(int vocab, double[][] p, double[][] cum, double[][] logp, double[][] sortedLog,
                                int[] lastPositive, double[] h) {
        this.vocab = vocab;
        this.p = p;
        this.cum = cum;
        this.logp = logp;
        this.sortedLog = sortedLog;
        this.lastPositive = lastPositive;
        this.h = h;
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
            double sum = 0;
            for (int c = 0; c < n; c++) {
                double x = row[c];
                if (!(x >= 0) || Double.isInfinite(x)) {
                    throw new IllegalArgumentException("row " + s + ", column " + c + ": probability must be finite and >= 0, got " + x);
                }
                sum += x;
            }
            if (Math.abs(sum - 1.0) > ROW_SUM_TOLERANCE) {
                throw new IllegalArgumentException("row " + s + " sums to " + sum + ", not 1 within " + ROW_SUM_TOLERANCE);
            }
            p[s] = row.clone();
        }
        checkAbsorbing(p, vocab);
        double[][] cum = new double[n][];
        double[][] logp = new double[n][];
        double[][] sortedLog = new double[n][];
        int[] lastPositive = new int[n];
        double[] h = new double[n];
        for (int s = 0; s < n; s++) {
            derive(p[s], s, cum, logp, sortedLog, lastPositive, h);
        }
        return new MarkovLanguageModel(vocab, p, cum, logp, sortedLog, lastPositive, h);
    }

    private static void derive(double[] row, int s, double[][] cum, double[][] logp, double[][] sortedLog,
                               int[] lastPositive, double[] h) {
        int n = row.length;
        double[] c = new double[n];
        double[] l = new double[n];
        double acc = 0;
        double ent = 0;
        int positives = 0;
        int last = -1;
        for (int j = 0; j < n; j++) {
            double x = row[j];
            acc += x;
            c[j] = acc;
            if (x > 0) {
                double lx = Math.log(x);
                l[j] = lx;
                ent -= x * lx;
                positives++;
                last = j;
            } else {
                l[j] = Double.NEGATIVE_INFINITY;
            }
        }
        double[] sorted = new double[positives];
        int k = 0;
        for (int j = 0; j < n; j++) {
            if (row[j] > 0) {
                sorted[k++] = l[j];
            }
        }
        Arrays.sort(sorted);
        for (int i = 0, j = sorted.length - 1; i < j; i++, j--) {
            double t = sorted[i];
            sorted[i] = sorted[j];
            sorted[j] = t;
        }
        cum[s] = c;
        logp[s] = l;
        sortedLog[s] = sorted;
        lastPositive[s] = last;
        h[s] = Math.max(0.0, ent);
    }

    /** States reachable from the start must all reach EOS along positive-probability transitions. */
    private static void checkAbsorbing(double[][] p, int vocab) {
        int n = vocab + 1;
        boolean[] reachable = reachableFromStart(p, vocab);
        // reverse search from states with a positive EOS probability
        boolean[] reachesEos = new boolean[n];
        ArrayDeque<Integer> queue = new ArrayDeque<>();
        for (int s = 0; s < n; s++) {
            if (p[s][vocab] > 0) {
                reachesEos[s] = true;
                queue.add(s);
            }
        }
        while (!queue.isEmpty()) {
            int target = queue.poll();
            if (target == 0) {
                continue; // nothing transitions into the start state
            }
            int token = target - 1;
            for (int s = 0; s < n; s++) {
                if (!reachesEos[s] && p[s][token] > 0) {
                    reachesEos[s] = true;
                    queue.add(s);
                }
            }
        }
        for (int s = 0; s < n; s++) {
            if (reachable[s] && !reachesEos[s]) {
                throw new IllegalArgumentException("chain is not absorbing: state " + s
                        + " is reachable from the start but can never reach EOS");
            }
        }
    }

    private static boolean[] reachableFromStart(double[][] p, int vocab) {
        int n = vocab + 1;
        boolean[] seen = new boolean[n];
        ArrayDeque<Integer> queue = new ArrayDeque<>();
        seen[0] = true;
        queue.add(0);
        while (!queue.isEmpty()) {
            int s = queue.poll();
            for (int v = 0; v < vocab; v++) {
                if (p[s][v] > 0 && !seen[1 + v]) {
                    seen[1 + v] = true;
                    queue.add(1 + v);
                }
            }
        }
        return seen;
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
        return closedForm()[0];
    }

    /** Closed-form expected length E[N] of untruncated generation (the EOS step counted), sum_j F[0,j]. */
    public double expectedLength() {
        return closedForm()[1];
    }

    /**
     * Expected number of visits F[0,j] to every state j (0 for states unreachable from the start).
     * Visit counts sum to {@link #expectedLength()}.
     */
    public double[] expectedVisits() {
        closedForm();
        return visitsCache.clone();
    }

    private double[] closedForm() {
        double[] cf = closedForm;
        if (cf != null) {
            return cf;
        }
        boolean[] reachable = reachableFromStart(p, vocab);
        List<Integer> states = new ArrayList<>();
        for (int s = 0; s < reachable.length; s++) {
            if (reachable[s]) {
                states.add(s);
            }
        }
        int m = states.size();
        int[] index = new int[reachable.length];
        Arrays.fill(index, -1);
        for (int i = 0; i < m; i++) {
            index[states.get(i)] = i;
        }
        // A = (I - Q_R)^T so that A x = e_start gives x = row "start" of F = (I - Q_R)^-1.
        double[][] a = new double[m][m];
        for (int i = 0; i < m; i++) {
            a[i][i] = 1.0;
        }
        for (int i = 0; i < m; i++) {
            int from = states.get(i);
            for (int v = 0; v < vocab; v++) {
                double x = p[from][v];
                if (x > 0) {
                    int j = index[1 + v];
                    a[j][i] -= x; // transpose of Q[i][j]
                }
            }
        }
        RealVector e = new ArrayRealVector(m);
        e.setEntry(index[0], 1.0);
        RealVector x;
        try {
            DecompositionSolver solver = new LUDecomposition(new Array2DRowRealMatrix(a, false), 1e-300).getSolver();
            x = solver.solve(e);
        } catch (SingularMatrixException ex) {
            throw new IllegalStateException("fundamental matrix is numerically singular (EOS probabilities too small)", ex);
        }
        double ce = 0;
        double len = 0;
        double[] vis = new double[reachable.length];
        for (int i = 0; i < m; i++) {
            double f = x.getEntry(i);
            vis[states.get(i)] = f;
            ce += f * h[states.get(i)];
            len += f;
        }
        visitsCache = vis;
        cf = new double[] {ce, len};
        closedForm = cf;
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
        return truncated(maxTokens)[0];
    }

    /**
     * Exact expected length E[min(N, maxTokens)] of generation truncated at {@code maxTokens} tokens,
     * i.e. sum over t &lt; maxTokens of P(N &gt; t).
     *
     * @throws IllegalArgumentException if maxTokens &lt; 1
     */
    public double expectedLength(int maxTokens) {
        return truncated(maxTokens)[1];
    }

    /**
     * Exact probability that generation truncated at {@code maxTokens} hits the limit without EOS.
     *
     * @throws IllegalArgumentException if maxTokens &lt; 1
     */
    public double truncationProbability(int maxTokens) {
        return truncated(maxTokens)[2];
    }

    private double[] truncated(int maxTokens) {
        if (maxTokens < 1) {
            throw new IllegalArgumentException("maxTokens must be >= 1, got " + maxTokens);
        }
        int n = vocab + 1;
        double[] u = new double[n];
        double[] next = new double[n];
        u[0] = 1.0;
        double ce = 0;
        double len = 0;
        double alive = 1.0;
        for (int t = 0; t < maxTokens; t++) {
            Arrays.fill(next, 0.0);
            alive = 0;
            for (int s = 0; s < n; s++) {
                double us = u[s];
                if (us == 0) {
                    continue;
                }
                alive += us;
                ce += us * h[s];
                double[] row = p[s];
                for (int v = 0; v < vocab; v++) {
                    next[1 + v] += us * row[v];
                }
            }
            len += alive;
            double[] tmp = u;
            u = next;
            next = tmp;
            if (alive == 0) {
                break;
            }
        }
        double remaining = 0;
        for (double x : u) {
            remaining += x;
        }
        return new double[] {ce, len, remaining};
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
        SampledStep[] buf = new SampledStep[Math.min(maxTokens, 64)];
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
            state = 1 + token;
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
        double sum = 0;
        for (int c = 0; c <= vocab; c++) {
            double x = startRow[c];
            if (!(x >= 0) || Double.isInfinite(x)) {
                throw new IllegalArgumentException("start row, column " + c + ": probability must be finite and >= 0, got " + x);
            }
            sum += x;
        }
        if (Math.abs(sum - 1.0) > ROW_SUM_TOLERANCE) {
            throw new IllegalArgumentException("start row sums to " + sum + ", not 1 within " + ROW_SUM_TOLERANCE);
        }
        double[][] np = p.clone(); // shallow copy: rows 1..V shared
        np[0] = startRow.clone();
        checkAbsorbing(np, vocab);
        double[][] ncum = cum.clone();
        double[][] nlog = logp.clone();
        double[][] nsorted = sortedLog.clone();
        int[] nlast = lastPositive.clone();
        double[] nh = h.clone();
        derive(np[0], 0, ncum, nlog, nsorted, nlast, nh);
        return new MarkovLanguageModel(vocab, np, ncum, nlog, nsorted, nlast, nh);
    }

    /**
     * A per-prompt variant: the start row's positive entries are multiplied by independent log-normal
     * factors (sigma 0.75) drawn deterministically from this model's matrix and {@code promptIndex}, then
     * renormalised. The support of the start row is unchanged, so the chain stays absorbing, and the
     * variant's CE* and E[N] are again known in closed form. Different prompt indices give (almost surely)
     * different CE*; the same index on the same model always gives the same variant.
     */
    public MarkovLanguageModel withPromptVariant(int promptIndex) {
        long seed = 0x9E3779B97F4A7C15L * (promptIndex + 0x632BE59BD9B4E019L) ^ Arrays.deepHashCode(p);
        SplittableRandom rng = new SplittableRandom(seed);
        double[] row = p[0].clone();
        double sum = 0;
        for (int c = 0; c < row.length; c++) {
            if (row[c] > 0) {
                row[c] *= Math.exp(0.75 * rng.nextGaussian());
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
