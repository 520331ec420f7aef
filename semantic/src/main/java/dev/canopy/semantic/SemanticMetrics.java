package dev.canopy.semantic;

import dev.canopy.core.stats.Correlations;
import dev.canopy.core.stats.Pooling;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.EigenDecomposition;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Semantic diversity as the paper defines it, per prompt group and pooled per model and release.
 * With unit embeddings e_i of a prompt's n rollouts:
 * <ul>
 *   <li>each rollout's diversity d_i = 1 − (1/(n−1)) Σ<sub>j≠i</sub> ⟨e_i, e_j⟩;</li>
 *   <li>the prompt's semantic diversity = mean d_i;</li>
 *   <li>its Vendi score = exp(−Σ λ log λ) over the eigenvalues λ of K/n, K the cosine kernel
 *       (between 1 for identical texts and n for orthogonal ones);</li>
 *   <li>the correlations of d with the entropy rate r and with the length N (Pearson, Spearman,
 *       Kendall), pooled across prompts like rho(N, r): Fisher z with weights n − 3, Kendall by pairs.</li>
 * </ul>
 * Diversity and Vendi of the release are means over prompts with at least two embedded rollouts;
 * {@code kept} counts the rollouts of those prompts (the ones the metrics use).
 */
public record SemanticMetrics(long embedded, long kept, int prompts, double diversity, double vendi,
                              Correlations.Coefficients rateCorrelation, Correlations.Coefficients lengthCorrelation,
                              List<Prompt> perPrompt) {

    /** One prompt group's semantic metrics. */
    public record Prompt(String promptId, int rollouts, double diversity, double vendi,
                         Correlations.Coefficients rateCorrelation, Correlations.Coefficients lengthCorrelation) {
    }

    public static SemanticMetrics of(SemanticAccumulator acc) {
        List<Prompt> per = new ArrayList<>();
        for (Map.Entry<String, PromptSample> e : acc.prompts().entrySet()) {
            Prompt p = prompt(e.getKey(), e.getValue().entries());
            if (p != null) {
                per.add(p);
            }
        }
        return pool(acc.embedded(), per);
    }

    /** One prompt's metrics from its embedded rollouts; null with fewer than two. */
    public static Prompt prompt(String promptId, List<SemanticAccumulator.Entry> list) {
        if (list.size() < 2) {
            return null;
        }
        float[][] emb = new float[list.size()][];
        double[] rates = new double[list.size()];
        double[] lengths = new double[list.size()];
        for (int i = 0; i < list.size(); i++) {
            emb[i] = list.get(i).embedding();
            rates[i] = list.get(i).rate();
            lengths[i] = list.get(i).length();
        }
        double[] d = rolloutDiversity(emb);
        double mean = 0;
        for (double x : d) {
            mean += x;
        }
        return new Prompt(promptId, list.size(), mean / d.length, vendi(emb), Correlations.of(d, rates), Correlations.of(d, lengths));
    }

    /**
     * Pools per-prompt metrics (prompts with at least two rollouts) into the release's: means over
     * prompts, correlations pooled like rho(N, r).
     *
     * @param embedded rollouts embedded in total (reported as is)
     */
    public static SemanticMetrics pool(long embedded, List<Prompt> per) {
        int p = per.size();
        double[] div = new double[p];
        double[] ven = new double[p];
        long[] n = new long[p];
        long used = 0;
        double[][] rate = new double[4][p];
        double[][] len = new double[4][p];
        for (int i = 0; i < p; i++) {
            Prompt x = per.get(i);
            div[i] = x.diversity();
            ven[i] = x.vendi();
            n[i] = x.rollouts();
            used += x.rollouts();
            fill(rate, i, x.rateCorrelation());
            fill(len, i, x.lengthCorrelation());
        }
        return new SemanticMetrics(embedded, used, p, mean(div), mean(ven), pool(rate, n), pool(len, n), List.copyOf(per));
    }

    private static void fill(double[][] m, int i, Correlations.Coefficients c) {
        m[0][i] = c.pearson();
        m[1][i] = c.spearman();
        m[2][i] = c.kendall();
        m[3][i] = c.covariance();
    }

    private static Correlations.Coefficients pool(double[][] m, long[] n) {
        return new Correlations.Coefficients(Pooling.fisherZ(m[0], n), Pooling.fisherZ(m[1], n), Pooling.kendall(m[2], n),
                Pooling.covariance(m[3], n));
    }

    private static double mean(double[] v) {
        if (v.length == 0) {
            return Double.NaN;
        }
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.length;
    }

    /** d_i = 1 − mean over j ≠ i of the cosine similarity ⟨e_i, e_j⟩ (unit vectors). */
    public static double[] rolloutDiversity(float[][] e) {
        int n = e.length;
        double[] sum = new double[n];
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                double dot = dot(e[i], e[j]);
                sum[i] += dot;
                sum[j] += dot;
            }
        }
        double[] d = new double[n];
        for (int i = 0; i < n; i++) {
            d[i] = 1 - sum[i] / (n - 1);
        }
        return d;
    }

    /** exp of the Shannon entropy of the eigenvalues of K/n; computed on the smaller Gram matrix. */
    public static double vendi(float[][] e) {
        int n = e.length;
        int dim = e[0].length;
        double[][] m;
        if (n <= dim) {
            m = new double[n][n];
            for (int i = 0; i < n; i++) {
                for (int j = i; j < n; j++) {
                    double v = dot(e[i], e[j]) / n;
                    m[i][j] = v;
                    m[j][i] = v;
                }
            }
        } else {
            m = new double[dim][dim];
            for (float[] row : e) {
                for (int a = 0; a < dim; a++) {
                    for (int b = a; b < dim; b++) {
                        m[a][b] += (double) row[a] * row[b] / n;
                    }
                }
            }
            for (int a = 0; a < dim; a++) {
                for (int b = 0; b < a; b++) {
                    m[a][b] = m[b][a];
                }
            }
        }
        double[] eig = new EigenDecomposition(new Array2DRowRealMatrix(m, false)).getRealEigenvalues();
        double h = 0;
        for (double l : eig) {
            if (l > 1e-12) {
                h -= l * Math.log(l);
            }
        }
        return Math.exp(h);
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }
}
