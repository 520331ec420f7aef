package dev.canopy.semantic;

/**
 * What happened to a release's completed rollouts in the streaming monitor's semantic stage.
 *
 * @param withoutText rollouts whose events carried no text
 * @param embedded    rollouts embedded (and kept, at least until a smaller hash displaced them)
 * @param notSampled  rollouts left out, without embedding, because the per-prompt or prompt bound
 *                    would not keep them (on arrival, or displaced while they waited for the budget)
 * @param overBudget  rollouts the sample would have kept but were dropped because the backlog of
 *                    rollouts waiting for the embedding budget was full
 * Rollouts waiting in that backlog have no outcome yet: they are counted when they leave it.
 */
public record SemanticCounts(long withoutText, long embedded, long notSampled, long overBudget) {

    public static final SemanticCounts ZERO = new SemanticCounts(0, 0, 0, 0);
    /** One rollout of each outcome, to add with {@link #plus}. */
    public static final SemanticCounts ONE_WITHOUT_TEXT = new SemanticCounts(1, 0, 0, 0);
    public static final SemanticCounts ONE_EMBEDDED = new SemanticCounts(0, 1, 0, 0);
    public static final SemanticCounts ONE_NOT_SAMPLED = new SemanticCounts(0, 0, 1, 0);
    public static final SemanticCounts ONE_OVER_BUDGET = new SemanticCounts(0, 0, 0, 1);

    public SemanticCounts plus(SemanticCounts o) {
        return new SemanticCounts(withoutText + o.withoutText, embedded + o.embedded, notSampled + o.notSampled,
                overBudget + o.overBudget);
    }

    /** Rollouts the semantic stage has seen, whatever their outcome. */
    public long total() {
        return withoutText + embedded + notSampled + overBudget;
    }
}
