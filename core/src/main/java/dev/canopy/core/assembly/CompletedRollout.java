package dev.canopy.core.assembly;

/**
 * A rollout the assembler has finished with: either complete (every position 0..N-1 seen and the final
 * record arrived) and measured, or {@code abandoned} (it went idle before completing; only counted).
 *
 * @param promptId       "" for production traffic without prompt ids
 * @param length         N, the number of generated tokens (positions 0..N-1); for an abandoned rollout,
 *                       the number of distinct positions seen
 * @param entropySum     H_i, the sum of the step entropies (nats)
 * @param entropyUpperSum sum of the step upper bounds (nats), for the CE* upper bound
 * @param finishReason   the final record's finish reason, or null
 * @param completedAt    event time (epoch ms) of the record that completed or last touched the rollout
 */
public record CompletedRollout(String model, String release, String rolloutId, String promptId,
                               int length, double entropySum, double entropyUpperSum, String finishReason,
                               int exactSteps, int topkSteps, int surprisalSteps, long completedAt,
                               boolean abandoned) {

    /** The entropy rate r_i = H_i / max(N_i, 1). */
    public double entropyRate() {
        return entropySum / Math.max(length, 1);
    }

    /** Whether generation stopped at the token limit (finish_reason "length"). */
    public boolean truncated() {
        return "length".equals(finishReason);
    }
}
