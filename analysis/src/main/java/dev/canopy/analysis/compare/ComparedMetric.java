package dev.canopy.analysis.compare;

/**
 * What {@code canopy compare} needs to know of any metric it compares, report metric ({@link Metric}) or
 * semantic one ({@link SemanticMetric}): its compare.json key, a human label and whether it can be negative.
 */
interface ComparedMetric {

    /**
     * A compared metric's name.
     *
     * @param key    the compare.json key: the field's path in the report schema (or in a group's semantic block)
     * @param label  a human name for report.md
     * @param signed whether the metric can be negative (then a percent change means nothing and is null)
     */
    record Name(String key, String label, boolean signed) {
    }

    Name metricName();

    /** The compare.json key: the field's path in the report schema (or in a group's semantic block). */
    default String key() {
        return metricName().key();
    }

    /** A human name for report.md. */
    default String label() {
        return metricName().label();
    }

    /** Whether the metric can be negative (then a percent change means nothing and is null). */
    default boolean signed() {
        return metricName().signed();
    }

    /** {@link #signed()} of each metric, indexed as the given array (an enum's {@code values()}). */
    static boolean[] signs(ComparedMetric[] metrics) {
        boolean[] signed = new boolean[metrics.length];
        for (int i = 0; i < metrics.length; i++) {
            signed[i] = metrics[i].signed();
        }
        return signed;
    }
}
