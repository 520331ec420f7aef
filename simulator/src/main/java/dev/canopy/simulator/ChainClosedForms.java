package dev.canopy.simulator;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.ArrayRealVector;
import org.apache.commons.math3.linear.DecompositionSolver;
import org.apache.commons.math3.linear.LUDecomposition;
import org.apache.commons.math3.linear.RealVector;
import org.apache.commons.math3.linear.SingularMatrixException;

/**
 * The exact canopy entropy and length of a {@link MarkovLanguageModel}'s generation, with and without
 * a token limit.
 *
 * <p>Every visit to a transient state emits exactly one token (the last one being EOS), so by the chain
 * rule CE* = H(N, Y_1:N | X) = sum_j occupancy(j) h_j and E[N] = sum_j occupancy(j), with h_j the entropy
 * of row j. Untruncated, the occupancy is row "start" of the fundamental matrix F = (I - Q)^-1, Q the
 * transient-to-transient block; truncated at M tokens, it is the sub-stochastic occupancy of steps
 * t &lt; M, propagated forward.
 */
final class ChainClosedForms {

    /** LU pivot threshold: only an exactly singular system is refused; near-singular ones are solved. */
    private static final double SINGULARITY_THRESHOLD = 1e-300;

    private ChainClosedForms() {
    }

    /**
     * Closed forms of untruncated generation.
     *
     * @param canopyEntropy  CE* in nats
     * @param expectedLength E[N], the EOS step counted
     * @param visits         F[0,j], the expected visits to every state j (0 for states unreachable from the
     *                       start); they sum to {@code expectedLength}. Not copied: callers must not modify it
     */
    record Untruncated(double canopyEntropy, double expectedLength, double[] visits) {
    }

    /**
     * Closed forms of generation truncated at a token limit M.
     *
     * @param canopyEntropy         CE* of truncated generation in nats
     * @param expectedLength        E[min(N, M)] = sum over t &lt; M of P(N &gt; t)
     * @param truncationProbability the probability that the limit is hit without EOS
     */
    record Truncated(double canopyEntropy, double expectedLength, double truncationProbability) {
    }

    /**
     * Solves (I - Q_R)^T x = e_start over the states R reachable from the start (LU), so x is row
     * "start" of the fundamental matrix restricted to R. Unreachable states may be non-absorbing and would
     * make I - Q singular, hence the restriction.
     *
     * @param p     the model's transition matrix, absorbing over the reachable states
     * @param h     the step entropy of every state
     * @param vocab V
     * @throws IllegalStateException if the system is numerically singular (EOS probabilities too small)
     */
    static Untruncated untruncated(double[][] p, double[] h, int vocab) {
        boolean[] reachable = ChainRows.reachableFromStart(p, vocab);
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
                    int j = index[MarkovLanguageModel.stateAfter(v)];
                    a[j][i] -= x; // transpose of Q[i][j]
                }
            }
        }
        RealVector e = new ArrayRealVector(m);
        e.setEntry(index[0], 1.0);
        RealVector x;
        try {
            DecompositionSolver solver = new LUDecomposition(new Array2DRowRealMatrix(a, false), SINGULARITY_THRESHOLD)
                    .getSolver();
            x = solver.solve(e);
        } catch (SingularMatrixException ex) {
            throw new IllegalStateException("fundamental matrix is numerically singular (EOS probabilities too small)", ex);
        }
        double ce = 0;
        double len = 0;
        double[] visits = new double[reachable.length];
        for (int i = 0; i < m; i++) {
            double f = x.getEntry(i);
            visits[states.get(i)] = f;
            ce += f * h[states.get(i)];
            len += f;
        }
        return new Untruncated(ce, len, visits);
    }

    /**
     * Propagates the state occupancy forward for {@code maxTokens} steps, O(maxTokens V^2): at step t the
     * mass still generating is P(N &gt; t), it contributes its expected step entropy, and the mass left
     * after the last step is the truncation probability. Converges to {@link #untruncated} as maxTokens
     * grows.
     *
     * @param maxTokens the token limit, &gt;= 1 (checked by the caller)
     */
    static Truncated truncated(double[][] p, double[] h, int vocab, int maxTokens) {
        int n = vocab + 1;
        double[] u = new double[n];
        double[] next = new double[n];
        u[0] = 1.0;
        double ce = 0;
        double len = 0;
        double alive;
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
                    next[MarkovLanguageModel.stateAfter(v)] += us * row[v];
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
        return new Truncated(ce, len, remaining);
    }
}
