package dev.canopy.app.bench;

import java.util.Arrays;

/**
 * The summary of a sample of measurements (latencies, in whatever unit they were given): count, mean
 * and nearest-rank quantiles (the smallest value with at least a fraction q of the sample at or below
 * it, the definition {@link ReportLatency} uses). An empty sample has count 0 and NaN everywhere else.
 */
record Distribution(int count, double mean, double p50, double p95, double p99, double max) {

    static final Distribution EMPTY = new Distribution(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);

    /** Summarises the values (not modified; NaN values are not allowed). */
    static Distribution of(double[] values) {
        if (values.length == 0) {
            return EMPTY;
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        double sum = 0;
        for (double v : sorted) {
            if (Double.isNaN(v)) {
                throw new IllegalArgumentException("NaN in a sample of measurements");
            }
            sum += v;
        }
        return new Distribution(sorted.length, sum / sorted.length, quantile(sorted, 0.5), quantile(sorted, 0.95),
                quantile(sorted, 0.99), sorted[sorted.length - 1]);
    }

    /** The same summary with every value multiplied by {@code factor} (a change of unit). */
    Distribution scaled(double factor) {
        return new Distribution(count, mean * factor, p50 * factor, p95 * factor, p99 * factor, max * factor);
    }

    /** Nearest rank: the value at position ceil(q n) of the sorted sample (1-based), clamped to it. */
    static double quantile(double[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int i = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }
}
