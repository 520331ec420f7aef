package dev.canopy.connectors.events;

/**
 * One generated token as the server reported it, before any validation: the adapters copy values out
 * of the payload unchanged and {@link RolloutEmitter} decides what is usable.
 *
 * @param logprob     the sampled token's log-probability, or null when the server gave none
 *                    (may be NaN, infinite, positive or a sentinel such as vLLM's -9999: validated later)
 * @param topLogprobs the candidates' log-probabilities in the payload's order, or null when none
 *                    were given (entries may be non-finite or sentinels: validated later)
 * @param entropy     an exact entropy the server computed, or null (no server in this module sends one)
 * @param text        the decoded token text, or null
 */
public record TokenStep(Double logprob, double[] topLogprobs, Double entropy, String text) {

    public static TokenStep of(Double logprob, double[] topLogprobs, String text) {
        return new TokenStep(logprob, topLogprobs, null, text);
    }
}
