package dev.canopy.simulator;

import dev.canopy.core.events.Estimator;

/**
 * Which entropy source a {@link RolloutRecords} puts on each token record: one of core's {@link Estimator}s
 * for every step, or a per-step mix of them. Every record carries {@code logprob} regardless.
 */
public enum EstimatorMode {
    /** Every step {@link Estimator#EXACT}: {@code entropy}, the exact step entropy. */
    EXACT(Estimator.EXACT),
    /**
     * Every step {@link Estimator#TOPK}: {@code top_logprobs}, the k largest log-probabilities of the step's
     * distribution (EOS included), in descending order.
     */
    TOPK(Estimator.TOPK),
    /** Every step {@link Estimator#SURPRISAL}: only {@code logprob}. */
    SURPRISAL(Estimator.SURPRISAL),
    /**
     * Per step one of core's three estimators, chosen by a fixed hash of rollout id and position (see
     * {@link RolloutRecords#estimatorAt(EstimatorMode, String, int)}), so a consumer can recompute which
     * source each step used.
     */
    MIXED(null);

    private final Estimator fixed;

    EstimatorMode(Estimator fixed) {
        this.fixed = fixed;
    }

    /** The estimator every step uses, or null for {@link #MIXED}. */
    Estimator fixed() {
        return fixed;
    }
}
