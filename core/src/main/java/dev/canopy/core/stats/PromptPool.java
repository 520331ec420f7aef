package dev.canopy.core.stats;

import java.util.Arrays;

/**
 * The pooled-over-prompts formulas of METRICS.md in one place: CE* and its upper bound, L, R and the
 * truncation rate as means over prompts, GenPPL = exp(CE* / L), branching factor = exp(R), rho(N, r)
 * pooled through {@link Pooling}, and the decomposition CE* = L·R + coupling.
 *
 * <p>Add each prompt's values once per time it counts (a prompt added twice weighs twice), then read
 * {@link #pooled()}. The sums run in the order prompts were added, so the same prompts in the same order
 * give bit-identical results wherever the pool is used: a monitor's report ({@link GroupMetrics#of}) and
 * the resampling of {@code canopy compare}. Not thread-safe.
 */
public final class PromptPool {

    /** Pooled metrics of the prompts added; NaN where undefined (no prompt, or undefined inputs). */
    public record Pooled(double ceStar, double ceStarUpper, double meanLength, double meanEntropyRate,
                         double truncationRate, double genPpl, double branchingFactor,
                         Correlations.Coefficients lengthEntropyRate, double pearsonFisherWeight,
                         double lengthDriven, double coupling) {
    }

    private final double[] pearson;
    private final double[] spearman;
    private final double[] kendall;
    private final double[] covariance;
    private final long[] n;
    private int count;
    private double ceSum;
    private double upperSum;
    private double lengthSum;
    private double rateSum;
    private double truncationSum;

    /** A pool for at most {@code capacity} additions. */
    public PromptPool(int capacity) {
        pearson = new double[capacity];
        spearman = new double[capacity];
        kendall = new double[capacity];
        covariance = new double[capacity];
        n = new long[capacity];
    }

    /**
     * Adds one prompt: its rollouts n_p, CE*_p, upper bound, L_p, R_p, truncation rate and the four
     * rho_p coefficients.
     *
     * @throws IllegalStateException if the pool already holds {@code capacity} prompts
     */
    public void add(long rollouts, double ceStar, double ceStarUpper, double meanLength, double meanEntropyRate,
                    double truncationRate, double pearson, double spearman, double kendall, double covariance) {
        if (count == n.length) {
            throw new IllegalStateException("prompt pool is full (" + n.length + " prompts)");
        }
        this.pearson[count] = pearson;
        this.spearman[count] = spearman;
        this.kendall[count] = kendall;
        this.covariance[count] = covariance;
        this.n[count] = rollouts;
        ceSum += ceStar;
        upperSum += ceStarUpper;
        lengthSum += meanLength;
        rateSum += meanEntropyRate;
        truncationSum += truncationRate;
        count++;
    }

    /** Prompts added so far. */
    public int count() {
        return count;
    }

    public Pooled pooled() {
        double[] p = trim(pearson);
        double[] s = trim(spearman);
        double[] k = trim(kendall);
        double[] c = trim(covariance);
        long[] w = count == n.length ? n : Arrays.copyOf(n, count);
        double ceStar = mean(ceSum);
        double meanLength = mean(lengthSum);
        double meanRate = mean(rateSum);
        double pooledPearson = Pooling.fisherZ(p, w);
        Correlations.Coefficients rho = new Correlations.Coefficients(pooledPearson, Pooling.fisherZ(s, w),
                Pooling.kendall(k, w), Pooling.covariance(c, w));
        double lengthDriven = meanLength * meanRate;
        return new Pooled(ceStar, mean(upperSum), meanLength, meanRate, mean(truncationSum),
                Math.exp(ceStar / meanLength), Math.exp(meanRate), rho, Pooling.fisherWeight(p, w),
                lengthDriven, ceStar - lengthDriven);
    }

    private double mean(double sum) {
        return count == 0 ? Double.NaN : sum / count;
    }

    private double[] trim(double[] a) {
        return count == a.length ? a : Arrays.copyOf(a, count);
    }
}
