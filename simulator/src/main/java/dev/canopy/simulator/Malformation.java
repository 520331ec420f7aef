package dev.canopy.simulator;

import java.nio.charset.StandardCharsets;

import com.fasterxml.jackson.core.io.JsonStringEncoder;

/**
 * The contract violations {@link SimulatedFleet} injects, in the fixed order it rotates through them.
 * Every rendering is a single line (no line break) and must be rejected whole by a contract-v1 consumer
 * (shared/EVENTS.md); each uses its own rollout id, so rejecting it loses nothing else.
 */
public enum Malformation {
    /** Not JSON at all. */
    NOT_JSON("not JSON"),
    /** A JSON array holding an otherwise valid record. */
    JSON_ARRAY("not an object (array)"),
    /** A bare JSON number. */
    JSON_SCALAR("not an object (scalar)"),
    /** JSON cut off mid-object. */
    TRUNCATED_JSON("not JSON (truncated)"),
    /** No {@code model}. */
    MISSING_MODEL("model missing"),
    /** {@code "model":""}. */
    EMPTY_MODEL("model empty"),
    /** {@code "model":7}. */
    MODEL_WRONG_TYPE("model not a string"),
    /** No {@code release}. */
    MISSING_RELEASE("release missing"),
    /** No {@code rollout_id}. */
    MISSING_ROLLOUT_ID("rollout_id missing"),
    /** {@code "position":-1}. */
    NEGATIVE_POSITION("negative position"),
    /** {@code "position":"3"}. */
    POSITION_WRONG_TYPE("position not an integer"),
    /** {@code "logprob":0.5} (with a valid entropy beside it). */
    POSITIVE_LOGPROB("positive logprob"),
    /** {@code "logprob":NaN}, a bare NaN token (Jackson's ALLOW_NON_NUMERIC_NUMBERS would accept it). */
    NAN_LOGPROB("NaN logprob"),
    /** {@code "entropy":-0.25}. */
    NEGATIVE_ENTROPY("negative entropy"),
    /** {@code "top_logprobs":[]} (with a valid logprob beside it). */
    EMPTY_TOP_LOGPROBS("empty top_logprobs"),
    /** {@code "top_logprobs":[-0.1,0.3]}. */
    POSITIVE_TOP_LOGPROB("positive entry in top_logprobs"),
    /** 1001 top_logprobs, above the contract's k &lt;= 1000. */
    TOO_MANY_TOP_LOGPROBS("more than 1000 top_logprobs"),
    /** A position but no entropy, top_logprobs or logprob. */
    NO_ENTROPY_SOURCE("no entropy source"),
    /** A chunk whose second step has a positive logprob. */
    INVALID_STEP_IN_CHUNK("invalid step inside a chunk");

    private final String description;

    Malformation(String description) {
        this.description = description;
    }

    /** A short human-readable description of the violation. */
    public String description() {
        return description;
    }

    /**
     * Renders the violation as record bytes (UTF-8, one line) for the given stream identity
     * (the strings are JSON-escaped).
     */
    public byte[] render(String model, String release, String rolloutId) {
        model = escape(model);
        release = escape(release);
        rolloutId = escape(rolloutId);
        String head = "\"model\":\"" + model + "\",\"release\":\"" + release + "\",\"rollout_id\":\"" + rolloutId + "\"";
        String json = switch (this) {
            case NOT_JSON -> "this is not json: " + rolloutId;
            case JSON_ARRAY -> "[{" + head + ",\"position\":0,\"logprob\":-0.5,\"entropy\":1.0}]";
            case JSON_SCALAR -> "42";
            case TRUNCATED_JSON -> "{" + head + ",\"position\":0,\"logp";
            case MISSING_MODEL -> "{\"release\":\"" + release + "\",\"rollout_id\":\"" + rolloutId
                    + "\",\"position\":0,\"logprob\":-0.5,\"entropy\":1.0}";
            case EMPTY_MODEL -> "{\"model\":\"\",\"release\":\"" + release + "\",\"rollout_id\":\"" + rolloutId
                    + "\",\"position\":0,\"logprob\":-0.5,\"entropy\":1.0}";
            case MODEL_WRONG_TYPE -> "{\"model\":7,\"release\":\"" + release + "\",\"rollout_id\":\"" + rolloutId
                    + "\",\"position\":0,\"logprob\":-0.5,\"entropy\":1.0}";
            case MISSING_RELEASE -> "{\"model\":\"" + model + "\",\"rollout_id\":\"" + rolloutId
                    + "\",\"position\":0,\"logprob\":-0.5,\"entropy\":1.0}";
            case MISSING_ROLLOUT_ID -> "{\"model\":\"" + model + "\",\"release\":\"" + release
                    + "\",\"position\":0,\"logprob\":-0.5,\"entropy\":1.0}";
            case NEGATIVE_POSITION -> "{" + head + ",\"position\":-1,\"logprob\":-0.5,\"entropy\":1.0}";
            case POSITION_WRONG_TYPE -> "{" + head + ",\"position\":\"3\",\"logprob\":-0.5,\"entropy\":1.0}";
            case POSITIVE_LOGPROB -> "{" + head + ",\"position\":0,\"logprob\":0.5,\"entropy\":1.0}";
            case NAN_LOGPROB -> "{" + head + ",\"position\":0,\"logprob\":NaN,\"entropy\":1.0}";
            case NEGATIVE_ENTROPY -> "{" + head + ",\"position\":0,\"logprob\":-0.5,\"entropy\":-0.25}";
            case EMPTY_TOP_LOGPROBS -> "{" + head + ",\"position\":0,\"logprob\":-0.5,\"top_logprobs\":[]}";
            case POSITIVE_TOP_LOGPROB -> "{" + head + ",\"position\":0,\"logprob\":-0.5,\"top_logprobs\":[-0.1,0.3]}";
            case TOO_MANY_TOP_LOGPROBS -> "{" + head + ",\"position\":0,\"logprob\":-0.5,\"top_logprobs\":["
                    + "-7.0,".repeat(1000) + "-7.0]}";
            case NO_ENTROPY_SOURCE -> "{" + head + ",\"position\":0}";
            case INVALID_STEP_IN_CHUNK -> "{" + head + ",\"tokens\":[{\"position\":0,\"logprob\":-0.5,\"entropy\":1.0},"
                    + "{\"position\":1,\"logprob\":1.5,\"entropy\":1.0}],\"final\":true,\"finish_reason\":\"stop\"}";
        };
        return json.getBytes(StandardCharsets.UTF_8);
    }

    private static String escape(String s) {
        return new String(JsonStringEncoder.getInstance().quoteAsString(s));
    }
}
