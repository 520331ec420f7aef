package dev.canopy.simulator;

import java.util.ArrayDeque;
import java.util.Arrays;

/**
 * Row-level facts about the transition matrix of a {@link MarkovLanguageModel}: validation of one
 * row as a distribution, the absorption check over the whole chain, and the per-row tables that
 * sampling and the top-k/entropy queries read.
 *
 * <p>The matrix layout is the model's: {@code (V+1) x (V+1)}, row {@code s} the next-token distribution
 * in state {@code s}, columns {@code 0..V-1} tokens and column {@code V} EOS; emitting token {@code v}
 * leads to state {@code 1 + v}, and nothing leads back to the start state 0.
 */
final class ChainRows {

    private ChainRows() {
    }

    /**
     * Checks that {@code row} is a probability distribution: every entry finite and {@code >= 0}, the
     * sum 1 within {@link MarkovLanguageModel#ROW_SUM_TOLERANCE}.
     *
     * @param name how the row is named in the message ("row 3", "start row")
     * @throws IllegalArgumentException naming the row (and column) otherwise
     */
    static void requireDistribution(double[] row, String name) {
        double sum = 0;
        for (int c = 0; c < row.length; c++) {
            double x = row[c];
            if (!(x >= 0) || Double.isInfinite(x)) {
                throw new IllegalArgumentException(name + ", column " + c + ": probability must be finite and >= 0, got " + x);
            }
            sum += x;
        }
        if (Math.abs(sum - 1.0) > MarkovLanguageModel.ROW_SUM_TOLERANCE) {
            throw new IllegalArgumentException(name + " sums to " + sum + ", not 1 within "
                    + MarkovLanguageModel.ROW_SUM_TOLERANCE);
        }
    }

    /**
     * States reachable from the start must all reach EOS along positive-probability transitions.
     * States the start cannot reach are ignored, whatever their rows.
     *
     * @throws IllegalArgumentException naming the first state that is reachable but cannot reach EOS
     */
    static void checkAbsorbing(double[][] p, int vocab) {
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

    /** Which states a rollout can visit: the start, and every state a positive-probability token leads to. */
    static boolean[] reachableFromStart(double[][] p, int vocab) {
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

    /**
     * Data precomputed from each row, indexed by state. The arrays are filled once, while the tables
     * are built, and never written afterwards; {@link #withStartRow(double[])} copies the outer arrays,
     * so the rows of the other states are shared between a model and its variants.
     *
     * @param cum          cumulative probabilities per row (plain left-to-right sums)
     * @param logp         natural logs of the probabilities ({@code -Infinity} for zeros)
     * @param sortedLog    descending log-probabilities of the positive entries of each row
     * @param lastPositive last column with a positive probability, per row
     * @param h            exact step entropy per state (nats, EOS included as a candidate)
     */
    record Tables(double[][] cum, double[][] logp, double[][] sortedLog, int[] lastPositive, double[] h) {

        /** The tables of every row of {@code p}. */
        static Tables of(double[][] p) {
            int n = p.length;
            Tables t = new Tables(new double[n][], new double[n][], new double[n][], new int[n], new double[n]);
            for (int s = 0; s < n; s++) {
                t.derive(p[s], s);
            }
            return t;
        }

        /** These tables with row 0 derived from {@code startRow}; the other rows are shared. */
        Tables withStartRow(double[] startRow) {
            Tables t = new Tables(cum.clone(), logp.clone(), sortedLog.clone(), lastPositive.clone(), h.clone());
            t.derive(startRow, 0);
            return t;
        }

        private void derive(double[] row, int s) {
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
    }
}
