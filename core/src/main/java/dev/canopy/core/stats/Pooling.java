package dev.canopy.core.stats;

/**
 * Pooling of per-prompt statistics across prompts (METRICS.md, "Pooled over prompts").
 * In every rule a prompt takes part only with a finite value and a positive weight; when no prompt
 * has both, the plain mean of the finite values is used; when no value is finite, NaN (null).
 * For the Fisher-z pooled coefficients that plain mean is taken on the z scale, as the reference
 * implementation does: tanh(mean(atanh(clip(rho_p)))).
 */
public final class Pooling {

    /** Correlations are clipped to this before atanh, as the reference does. */
    public static final double CLIP = 0.999999;

    private Pooling() {
    }

    /** Fisher-z pooling with w_p = max(n_p - 3, 0): tanh(sum w atanh(clip(rho)) / sum w). */
    public static double fisherZ(double[] rho, long[] n) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < rho.length; i++) {
            double w = Math.max(n[i] - 3, 0);
            if (Double.isFinite(rho[i]) && w > 0) {
                num += w * atanh(clip(rho[i]));
                den += w;
            }
        }
        if (den > 0) {
            return Math.tanh(num / den);
        }
        double[] z = new double[rho.length];
        for (int i = 0; i < rho.length; i++) {
            z[i] = Double.isFinite(rho[i]) ? atanh(clip(rho[i])) : Double.NaN;
        }
        return Math.tanh(plainMean(z));
    }

    /** Sum of the Fisher weights that {@link #fisherZ} used: 1/sqrt of it is the pooled z's standard error. */
    public static double fisherWeight(double[] rho, long[] n) {
        double den = 0;
        for (int i = 0; i < rho.length; i++) {
            double w = Math.max(n[i] - 3, 0);
            if (Double.isFinite(rho[i]) && w > 0) {
                den += w;
            }
        }
        return den;
    }

    /** Kendall: weighted mean with w_p = n_p (n_p - 1) / 2. */
    public static double kendall(double[] tau, long[] n) {
        double[] w = new double[n.length];
        for (int i = 0; i < n.length; i++) {
            w[i] = n[i] * (n[i] - 1) / 2.0;
        }
        return weightedMean(tau, w);
    }

    /** Covariance: weighted mean with w_p = n_p - 1. */
    public static double covariance(double[] cov, long[] n) {
        double[] w = new double[n.length];
        for (int i = 0; i < n.length; i++) {
            w[i] = n[i] - 1;
        }
        return weightedMean(cov, w);
    }

    static double weightedMean(double[] v, double[] w) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < v.length; i++) {
            if (Double.isFinite(v[i]) && w[i] > 0) {
                num += w[i] * v[i];
                den += w[i];
            }
        }
        return den > 0 ? num / den : plainMean(v);
    }

    static double plainMean(double[] v) {
        double s = 0;
        int k = 0;
        for (double d : v) {
            if (Double.isFinite(d)) {
                s += d;
                k++;
            }
        }
        return k > 0 ? s / k : Double.NaN;
    }

    /** The 95% interval of a correlation from its Fisher z and the z's total weight (n - 3 for one sample). */
    public static double[] fisherInterval(double rho, double weight) {
        if (!Double.isFinite(rho) || weight <= 0) {
            return new double[] {Double.NaN, Double.NaN};
        }
        double z = atanh(clip(rho));
        double half = 1.959963984540054 / Math.sqrt(weight);
        return new double[] {Math.tanh(z - half), Math.tanh(z + half)};
    }

    static double clip(double rho) {
        return Math.max(-CLIP, Math.min(CLIP, rho));
    }

    static double atanh(double x) {
        return 0.5 * Math.log1p(2 * x / (1 - x));
    }
}
