package dev.canopy.connectors.events;

/**
 * Something an adapter received and did not turn into an event, with the reason. No event is ever
 * written for a rejected step; the rollout it belongs to then has a gap, never completes in the
 * monitor and is counted there as abandoned (its length and entropy are unknowable).
 *
 * @param rolloutId the rollout concerned, or null when the payload could not be attributed
 * @param position  the token's position, or -1 when the rejection concerns a whole rollout or payload
 */
public record Rejection(String rolloutId, int position, Reason reason) {

    /** Why. The code is stable (it is a metric label). */
    public enum Reason {
        /** The server reported a token but no log-probability data for it (null logprob, no candidates). */
        MISSING_LOGPROBS("missing_logprobs"),
        /** The sampled token's logprob is NaN or infinite. */
        NON_FINITE_LOGPROB("non_finite_logprob"),
        /** The sampled token's logprob is a sentinel for "minus infinity" (vLLM writes -9999.0; anything at or below it). */
        SENTINEL_LOGPROB("sentinel_logprob"),
        /** The sampled token's logprob is positive beyond the 1e-6 rounding allowance. */
        POSITIVE_LOGPROB("positive_logprob"),
        /** A probability (probability-form payloads) is NaN, negative or above 1. */
        INVALID_PROBABILITY("invalid_probability"),
        /** A candidate list holds NaN or a positive logprob: the list is corrupt. */
        INVALID_TOP_LOGPROBS("invalid_top_logprobs"),
        /** A server-given entropy is negative or not finite. */
        INVALID_ENTROPY("invalid_entropy"),
        /** A choice produced text but the server sent no logprobs for it (not requested, or not supported). */
        NO_LOGPROBS("no_logprobs"),
        /** A rollout ended with no token at all: contract v1 cannot express N = 0. */
        EMPTY_ROLLOUT("empty_rollout"),
        /** The payload (or one streamed chunk of it) is not what the format says; the response's open rollouts stop. */
        MALFORMED_PAYLOAD("malformed_payload"),
        /** The server reported an error in the body or the stream; the response's open rollouts stop. */
        SERVER_ERROR("server_error");

        private final String code;

        Reason(String code) {
            this.code = code;
        }

        public String code() {
            return code;
        }
    }
}
