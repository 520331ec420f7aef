package dev.canopy.simulator;

/**
 * Which entropy source an {@link RolloutRecords} puts on each token record (contract v1, METRICS.md "Per step").
 * Every record carries {@code logprob} regardless.
 */
public enum Estimator {
    /** {@code entropy}: the exact step entropy (the monitor uses it as is). */
    EXACT,
    /**
     * {@code top_logprobs}: the k largest log-probabilities of the step's distribution (EOS included), in
     * descending order; the monitor renormalises them, which underestimates when k is below the support.
     */
    TOPK,
    /** Neither: only {@code logprob}, so the monitor falls back to the surprisal. */
    SURPRISAL,
    /**
     * Per step one of {@link #EXACT}, {@link #TOPK}, {@link #SURPRISAL}, chosen by a fixed hash of rollout id
     * and position (see {@link RolloutRecords#estimatorAt(Estimator, String, int)}), so a consumer can recompute
     * which source each step used.
     */
    MIXED
}
