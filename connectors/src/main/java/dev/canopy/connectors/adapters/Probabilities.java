package dev.canopy.connectors.adapters;

/**
 * Probability-form payloads (llama.cpp's {@code post_sampling_probs}, GLTR) converted to logprobs.
 * A probability of exactly 0 is below the payload's resolution (it was rounded, or the candidate was
 * cut by the sampler): as a candidate it contributes nothing and is dropped; as the sampled token's
 * value it carries no usable logprob, so the step keeps its candidates only. A probability that is NaN,
 * negative or above 1 (beyond 1e-6 of rounding) makes the value invalid.
 */
final class Probabilities {

    /** Allowed rounding above 1. */
    private static final double ONE_TOLERANCE = 1e-6;

    private Probabilities() {
    }

    /** Whether p is a probability (allowing rounding above 1). */
    static boolean valid(double p) {
        return p >= 0 && p <= 1 + ONE_TOLERANCE;
    }

    /** log(p), capped at 0; -Infinity for 0. Only for {@link #valid} values. */
    static double log(double p) {
        return Math.min(Math.log(p), 0.0);
    }
}
