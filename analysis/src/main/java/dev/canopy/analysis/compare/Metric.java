package dev.canopy.analysis.compare;

import com.fasterxml.jackson.databind.JsonNode;
import dev.canopy.core.stats.GroupMetrics;

import java.util.function.ToDoubleFunction;

/**
 * The pooled metrics that {@code canopy compare} compares, each named by its path in the report
 * schema ({@code canopy replay}, {@code GET /api/v1/report}), so that a compare.json key reads the
 * same as the report field it compares. The ordinal indexes the metric vectors of {@link PromptTable}
 * and {@link RolloutTable}.
 */
enum Metric implements ComparedMetric {
    CE_STAR("ce_star", "CE* (nats)", false, GroupMetrics::ceStar),
    CE_STAR_UPPER("ce_star_upper", "CE* upper bound (nats)", false, GroupMetrics::ceStarUpper),
    GEN_PPL("gen_ppl", "generation perplexity", false, GroupMetrics::genPpl),
    BRANCHING_FACTOR("branching_factor", "branching factor", false, GroupMetrics::branchingFactor),
    MEAN_LENGTH("mean_length", "mean length L (tokens)", false, GroupMetrics::meanLength),
    MEAN_ENTROPY_RATE("mean_entropy_rate", "mean entropy rate R (nats/token)", false, GroupMetrics::meanEntropyRate),
    TRUNCATION_RATE("truncation_rate", "truncation rate", false, GroupMetrics::truncationRate),
    PEARSON("length_entropy_rate.pearson", "rho(N, r) Pearson", true, m -> m.lengthEntropyRate().pearson()),
    SPEARMAN("length_entropy_rate.spearman", "rho(N, r) Spearman", true, m -> m.lengthEntropyRate().spearman()),
    KENDALL("length_entropy_rate.kendall", "rho(N, r) Kendall tau-b", true, m -> m.lengthEntropyRate().kendall()),
    COVARIANCE("length_entropy_rate.covariance", "Cov(N, r)", true, m -> m.lengthEntropyRate().covariance()),
    LENGTH_DRIVEN("decomposition.length_driven", "L·R, length-driven part of CE*", false, GroupMetrics::lengthDriven),
    COUPLING("decomposition.covariance", "CE* − L·R, coupling part of CE*", true, GroupMetrics::coupling);

    static final int COUNT = values().length;

    private final Name name;
    private final ToDoubleFunction<GroupMetrics> extractor;

    Metric(String key, String label, boolean signed, ToDoubleFunction<GroupMetrics> extractor) {
        this.name = new Name(key, label, signed);
        this.extractor = extractor;
    }

    @Override
    public Name metricName() {
        return name;
    }

    /** The value {@code canopy replay} reports for a group. */
    double of(GroupMetrics m) {
        return extractor.applyAsDouble(m);
    }

    /** The value in a report group's JSON (null or absent: NaN). */
    double of(JsonNode group) {
        JsonNode n = group;
        for (String part : key().split("\\.")) {
            n = n == null ? null : n.get(part);
        }
        return n == null || !n.isNumber() ? Double.NaN : n.asDouble();
    }

    /** Every metric's value for a group, indexed by ordinal. */
    static double[] vector(GroupMetrics m) {
        double[] v = new double[COUNT];
        for (Metric metric : values()) {
            v[metric.ordinal()] = metric.of(m);
        }
        return v;
    }

    static double[] vector(JsonNode group) {
        double[] v = new double[COUNT];
        for (Metric metric : values()) {
            v[metric.ordinal()] = metric.of(group);
        }
        return v;
    }
}
