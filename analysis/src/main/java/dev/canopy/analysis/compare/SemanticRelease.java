package dev.canopy.analysis.compare;

import com.fasterxml.jackson.databind.JsonNode;
import dev.canopy.semantic.SemanticMetrics;

/**
 * One release's semantic diversity as the comparison reads it: the counts and pooled values of the
 * report's {@code semantic} block (exactly {@link SemanticMetrics}' values) and the per-prompt values the
 * bootstrap resamples.
 *
 * @param embedded rollouts embedded ({@code rollouts_embedded})
 * @param used     embedded rollouts kept for the metrics ({@code rollouts_used})
 * @param prompts  prompt groups with at least two embedded rollouts, the ones the metrics pool
 * @param point    the value of every {@link SemanticMetric}, by ordinal (NaN: undefined)
 */
record SemanticRelease(ReleaseRef ref, long embedded, long used, int prompts, double[] point, SemanticTable table) {

    static SemanticRelease of(ReleaseRef ref, SemanticMetrics m) {
        double[] point = new double[SemanticMetric.COUNT];
        point[SemanticMetric.DIVERSITY.ordinal()] = m.diversity();
        point[SemanticMetric.VENDI.ordinal()] = m.vendi();
        point[SemanticMetric.ENTROPY_RATE.ordinal()] = m.rateCorrelation().pearson();
        point[SemanticMetric.LENGTH.ordinal()] = m.lengthCorrelation().pearson();
        return new SemanticRelease(ref, m.embedded(), m.kept(), m.prompts(), point, SemanticTable.of(m.perPrompt()));
    }

    /** From a report group's {@code semantic} block. */
    static SemanticRelease of(ReleaseRef ref, JsonNode semantic) {
        double[] point = new double[SemanticMetric.COUNT];
        point[SemanticMetric.DIVERSITY.ordinal()] = SemanticTable.num(semantic, "diversity");
        point[SemanticMetric.VENDI.ordinal()] = SemanticTable.num(semantic, "vendi");
        point[SemanticMetric.ENTROPY_RATE.ordinal()] = SemanticTable.num(semantic.get("diversity_entropy_rate"), "pearson");
        point[SemanticMetric.LENGTH.ordinal()] = SemanticTable.num(semantic.get("diversity_length"), "pearson");
        return new SemanticRelease(ref, semantic.path("rollouts_embedded").asLong(), semantic.path("rollouts_used").asLong(),
                semantic.path("prompts").asInt(), point, SemanticTable.of(semantic.path("per_prompt")));
    }

    double point(SemanticMetric m) {
        return point[m.ordinal()];
    }
}
