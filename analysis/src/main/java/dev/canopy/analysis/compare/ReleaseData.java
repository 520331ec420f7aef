package dev.canopy.analysis.compare;

import com.fasterxml.jackson.databind.JsonNode;
import dev.canopy.core.stats.GroupMetrics;

/**
 * Everything the comparison knows about one release: its point estimates (exactly the report's values),
 * the counts the report prints, the per-prompt statistics the prompt bootstrap resamples, and, when the
 * input was event files, its rollouts (null from a monitor's report, which has no rollout-level data).
 *
 * @param point    the report's value of every {@link Metric}, by ordinal (NaN: undefined)
 * @param rollouts the release's completed rollouts, or null when read with {@code --from}
 */
record ReleaseData(ReleaseRef ref, long rolloutCount, int promptCount, long tokens, long exactSteps, long topkSteps,
                   long surprisalSteps, boolean sampled, double[] point, PromptTable prompts, RolloutTable rollouts) {

    static ReleaseData of(ReleaseRef ref, GroupMetrics m, RolloutTable rollouts) {
        return new ReleaseData(ref, m.rollouts(), m.prompts(), m.tokens(), m.exactSteps(), m.topkSteps(),
                m.surprisalSteps(), m.sampled(), Metric.vector(m), PromptTable.of(m.perPrompt()), rollouts);
    }

    /** From one entry of a report's {@code groups} array. */
    static ReleaseData of(ReleaseRef ref, JsonNode group) {
        JsonNode estimators = group.path("estimators");
        return new ReleaseData(ref, group.path("rollouts").asLong(), group.path("prompts").asInt(),
                group.path("tokens").asLong(), estimators.path("exact").asLong(), estimators.path("topk").asLong(),
                estimators.path("surprisal").asLong(), group.path("sampled").asBoolean(), Metric.vector(group),
                PromptTable.of(group.path("per_prompt")), null);
    }

    double point(Metric m) {
        return point[m.ordinal()];
    }

    long steps() {
        return exactSteps + topkSteps + surprisalSteps;
    }
}
