package dev.canopy.topology;

/**
 * The topology's state stores, named once. All are persistent and changelogged except
 * {@link #PROVISIONAL_WINDOWS} and {@link #RELEASE_METRICS}: derived values the aggregate recomputes from
 * the others at every emit (and when its task starts), so writing them to a changelog would only add
 * broker traffic and restore time.
 */
public final class StoreNames {

    /** rollout_id -> assembly state of an in-flight rollout. */
    public static final String IN_FLIGHT = "canopy-rollouts-in-flight";
    /**
     * "model\0release" -> the sequence number of the last pending rollout folded in (8 bytes), then the
     * cumulative GroupAccumulator since the release was first seen.
     */
    public static final String GROUPS = "canopy-groups";
    /**
     * "model\0release\0sequence" -> a completed rollout not yet folded into the stored accumulators
     * (folded and deleted every few seconds; the report adds the ones newer than the stored accumulator).
     */
    public static final String PENDING = "canopy-pending-rollouts";
    /** "model\0release\0slice start" -> GroupAccumulator of rollouts completed in that slice. */
    public static final String SLICES = "canopy-window-slices";
    /** "model\0release\0window end" -> a closed window (a WindowValue: bounds and merged accumulator). */
    public static final String WINDOWS = "canopy-windows";
    /**
     * "model\0release" -> the release's provisional newest window (a WindowValue), rewritten at every emit. In
     * memory and not changelogged: after a restart or a move the aggregate writes it again at its first emit.
     */
    public static final String PROVISIONAL_WINDOWS = "canopy-provisional-windows";
    /**
     * "model\0release" -> ReleaseMetrics: the metrics the aggregate last emitted (cumulative and newest window),
     * for the exported series. In memory and not changelogged; rebuilt when the task starts.
     */
    public static final String RELEASE_METRICS = "canopy-release-metrics";
    /** "model\0release" -> ShiftStats of the release (in the task that owns the model). */
    public static final String SHIFT_STATS = "canopy-shift-stats";
    /** "model\0candidate\0metric" -> the latest verdict as JSON. */
    public static final String SHIFT_RESULTS = "canopy-shift-results";
    /** Global store of the releases topic: "model@release" -> release record JSON. */
    public static final String RELEASES = "canopy-releases";
    /** rollout_id -> the text pieces of an in-flight rollout (only with semantic diversity on; see InFlightTexts). */
    public static final String TEXTS_IN_FLIGHT = "canopy-texts-in-flight";
    /** "model\0release\0prompt_id" -> the prompt's embedded rollouts (a bottom-k PromptSample). */
    public static final String SEMANTIC_SAMPLES = "canopy-semantic-samples";
    /** "model\0release\0prompt_id" -> the prompt's semantic metrics (prompts with at least two rollouts). */
    public static final String SEMANTIC_PROMPTS = "canopy-semantic-prompts";
    /**
     * 16-digit hex arrival sequence -> a rollout the semantic sample keeps, waiting for the embedding
     * budget (a BacklogEntry with its text; at most canopy.semantic.backlog per task).
     */
    public static final String SEMANTIC_BACKLOG = "canopy-semantic-backlog";
    /** "model\0release" -> SemanticCounts of the release. */
    public static final String SEMANTIC_COUNTS = "canopy-semantic-counts";
    /** reject reason code -> count of records rejected for it. */
    public static final String REJECTIONS = "canopy-rejections";

    private StoreNames() {
    }
}
