package dev.canopy.analysis.compare;

import org.apache.commons.math3.distribution.TDistribution;

import java.util.Arrays;

/**
 * The ways a change's 95% interval and two-sided p-value can be computed, and the false-discovery-rate
 * control over the metrics of one comparison. {@code canopy validate-compare} measures each method's
 * coverage by simulation; {@link #CHOSEN} is the one {@code canopy compare} uses for prompt designs (see
 * docs/compare.md, "How far to trust a flag", for the measurements behind the choice).
 */
final class Intervals {

    /** Two-sided level of each marginal interval, and the false discovery rate of the family. */
    static final double ALPHA = 0.05;

    /** An interval method. */
    enum Method {
        /**
         * The 2.5% and 97.5% percentiles of the bootstrap deltas (the reference's method, compare's before
         * calibration); p = twice the smaller share of replicate deltas on either side of 0.
         */
        PERCENTILE("percentile", "percentile bootstrap"),
        /** delta ± t(df) · bootstrap standard deviation, df from the jackknife design. */
        BOOTSTRAP_SE_T("bootstrap-se-t", "bootstrap standard error, t quantile"),
        /** delta ± t(df) · jackknife standard error over prompts ({@link Jackknife}). */
        JACKKNIFE_T("jackknife-t", "prompt jackknife standard error, t quantile");

        private final String key;
        private final String label;

        Method(String key, String label) {
            this.key = key;
            this.label = label;
        }

        /** The name compare.json and validate-compare print. */
        String key() {
            return key;
        }

        String label() {
            return label;
        }
    }

    /** The method of {@code canopy compare} for prompt designs. */
    static final Method CHOSEN = Method.JACKKNIFE_T;

    /** A marginal 95% interval for a change and its two-sided p-value (NaN: undefined). */
    record Test(double low, double high, double p) {

        static final Test UNDEFINED = new Test(Double.NaN, Double.NaN, Double.NaN);
    }

    private Intervals() {
    }

    /** The percentile interval of replicate deltas and its p-value (see {@link Method#PERCENTILE}). */
    static Test percentile(double[] deltas) {
        double[] ci = Comparison.interval(deltas);
        if (!Double.isFinite(ci[0])) {
            return Test.UNDEFINED;
        }
        int below = 0;
        int above = 0;
        int finite = 0;
        for (double d : deltas) {
            if (Double.isFinite(d)) {
                finite++;
                if (d <= 0) {
                    below++;
                }
                if (d >= 0) {
                    above++;
                }
            }
        }
        return new Test(ci[0], ci[1], Math.min(1, 2.0 * Math.min(below, above) / finite));
    }

    /**
     * The t interval delta ± t_{0.975}(df) · se and its p-value 2 P(T_df &gt; |delta| / se). With se = 0 the
     * interval is the point and p is 1 for a zero change, 0 otherwise.
     */
    static Test t(double delta, double se, double df) {
        if (!Double.isFinite(delta) || !Double.isFinite(se) || !(df >= 1)) {
            return Test.UNDEFINED;
        }
        if (se == 0) {
            return new Test(delta, delta, delta == 0 ? 1 : 0);
        }
        TDistribution t = new TDistribution(null, df);
        double q = t.inverseCumulativeProbability(1 - ALPHA / 2);
        double p = 2 * t.cumulativeProbability(-Math.abs(delta) / se);
        return new Test(delta - q * se, delta + q * se, Math.min(1, p));
    }

    /** The sample standard deviation of the finite values; NaN when more than 1% are undefined. */
    static double bootstrapSd(double[] values) {
        double[] finite = Arrays.stream(values).filter(Double::isFinite).toArray();
        if (finite.length < 2 || values.length - finite.length > Comparison.MAX_UNDEFINED * values.length) {
            return Double.NaN;
        }
        double mean = Arrays.stream(finite).average().orElse(Double.NaN);
        double ss = 0;
        for (double v : finite) {
            ss += (v - mean) * (v - mean);
        }
        return Math.sqrt(ss / (finite.length - 1));
    }

    /**
     * Benjamini-Hochberg adjusted p-values ("q-values"): q_(i) = min over j &gt;= i of p_(j) m / j, capped at
     * 1, over the m defined p-values; undefined p-values stay NaN and do not count in m. A metric is flagged
     * when q &lt;= {@link #ALPHA}, which keeps the expected share of false flags among flags at ALPHA and,
     * when nothing changed, the chance of any flag at ALPHA.
     */
    static double[] benjaminiHochberg(double[] p) {
        int m = 0;
        for (double v : p) {
            if (!Double.isNaN(v)) {
                m++;
            }
        }
        Integer[] order = new Integer[m];
        int k = 0;
        for (int i = 0; i < p.length; i++) {
            if (!Double.isNaN(p[i])) {
                order[k++] = i;
            }
        }
        Arrays.sort(order, (a, b) -> Double.compare(p[a], p[b]));
        double[] q = new double[p.length];
        Arrays.fill(q, Double.NaN);
        double running = 1;
        for (int j = m - 1; j >= 0; j--) {
            running = Math.min(running, p[order[j]] * m / (j + 1));
            q[order[j]] = running;
        }
        return q;
    }
}
