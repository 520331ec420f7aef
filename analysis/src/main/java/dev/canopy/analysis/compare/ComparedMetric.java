package dev.canopy.analysis.compare;

/**
 * What {@code canopy compare} needs to know of any metric it compares, report metric ({@link Metric}) or
 * semantic one ({@link SemanticMetric}): its compare.json key, a human label and whether it can be negative.
 */
interface ComparedMetric {

    /** The compare.json key: the field's path in the report schema (or in a group's semantic block). */
    String key();

    /** A human name for report.md. */
    String label();

    /** Whether the metric can be negative (then a percent change means nothing and is null). */
    boolean signed();

    /** {@link #signed()} of each metric, indexed as the given array (an enum's {@code values()}). */
    static boolean[] signs(ComparedMetric[] metrics) {
        boolean[] signed = new boolean[metrics.length];
        for (int i = 0; i < metrics.length; i++) {
            signed[i] = metrics[i].signed();
        }
        return signed;
    }
}
