package dev.canopy.core.events;

/**
 * Why a record broke the token event contract v1. Each rejected record carries exactly one of these
 * codes (the first violation found), which is what the dead-letter topic, the report and the
 * {@code canopy_events_rejected_total{reason}} counter show. The set is fixed: adding a code is a
 * contract change.
 */
public enum RejectReason {
    /** The bytes are not a JSON document (syntax error, empty record, trailing garbage, bad UTF-8). */
    NOT_JSON("not_json"),
    /** Valid JSON, but not an object (an array, a string, a number...). */
    NOT_OBJECT("not_object"),
    /** A required field (model, release, rollout_id, position) is absent or JSON null. */
    MISSING_FIELD("missing_field"),
    /** A field has the wrong JSON type (a position written as a string or a float, model as a number...). */
    WRONG_TYPE("wrong_type"),
    /** model, release or rollout_id is the empty string. */
    EMPTY_STRING("empty_string"),
    /** position is below zero. */
    NEGATIVE_POSITION("negative_position"),
    /** position is above the largest accepted index (setting {@code canopy.max.position}, default {@link EventParser#MAX_POSITION}). */
    POSITION_OUT_OF_RANGE("position_out_of_range"),
    /** logprob is positive (beyond the 1e-6 rounding allowance), NaN or infinite. */
    INVALID_LOGPROB("invalid_logprob"),
    /** entropy is negative, NaN or infinite. */
    INVALID_ENTROPY("invalid_entropy"),
    /** top_logprobs is empty, longer than 1000, holds a positive or NaN entry, or no finite entry. */
    INVALID_TOP_LOGPROBS("invalid_top_logprobs"),
    /** A step carries none of entropy, top_logprobs and logprob. */
    NO_ENTROPY_SOURCE("no_entropy_source"),
    /** A chunk whose tokens array is empty, or a record that mixes the chunk and per-token forms. */
    INVALID_CHUNK("invalid_chunk"),
    /**
     * model, release, rollout_id or prompt_id holds a control character (U+0000 to U+001F, U+007F to
     * U+009F) or an unpaired surrogate: names are parts of keys and must not be able to forge another's.
     */
    INVALID_NAME("invalid_name"),
    /** model, release, rollout_id, prompt_id or finish_reason is longer than {@code canopy.max.name.bytes} UTF-8 bytes. */
    NAME_TOO_LONG("name_too_long"),
    /**
     * The record arrived after its rollout had completed and holds a position beyond that rollout's
     * final position. Found at assembly rather than by the parser; a record after completion whose
     * positions are all within the rollout is a producer retry and is ignored as before.
     */
    BEYOND_FINAL("beyond_final");

    private final String code;

    RejectReason(String code) {
        this.code = code;
    }

    /** The stable snake_case code used on the wire, in reports and as a metric label. */
    public String code() {
        return code;
    }

    public static RejectReason fromCode(String code) {
        for (RejectReason r : values()) {
            if (r.code.equals(code)) {
                return r;
            }
        }
        throw new IllegalArgumentException("unknown reject reason code: " + code);
    }
}
