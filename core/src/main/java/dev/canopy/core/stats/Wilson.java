package dev.canopy.core.stats;

/** The Wilson score interval of a binomial proportion, as the validation commands report false-alarm rates. */
public final class Wilson {

    /** The two-sided 95% normal quantile. */
    private static final double Z95 = 1.959963984540054;

    private Wilson() {
    }

    /**
     * The 95% Wilson score interval {lower, upper} of {@code k} successes in {@code n} trials, clipped to [0, 1].
     *
     * @throws IllegalArgumentException unless 0 <= k <= n and n > 0
     */
    public static double[] interval95(int k, int n) {
        if (n <= 0 || k < 0 || k > n) {
            throw new IllegalArgumentException("need 0 <= k <= n and n > 0, got k=" + k + ", n=" + n);
        }
        double z = Z95;
        double p = (double) k / n;
        double d = 1 + z * z / n;
        double c = (p + z * z / (2 * n)) / d;
        double h = z * Math.sqrt(p * (1 - p) / n + z * z / (4.0 * n * n)) / d;
        return new double[] {Math.max(0, c - h), Math.min(1, c + h)};
    }
}
