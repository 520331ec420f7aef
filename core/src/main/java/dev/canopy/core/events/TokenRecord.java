package dev.canopy.core.events;

/**
 * One accepted record of the token event contract, reduced to what the monitor keeps: the rollout's
 * identity and, per step, its position and the step entropy already computed (with its upper bound
 * and estimator). Per-token records have one step; chunk records have as many as their tokens array.
 * No candidate lists or texts are retained.
 *
 * @param promptId    the prompt id, or "" when the record carries none (production traffic)
 * @param finishReason the finish reason on the final record, or null
 * @param timestamp   the record's {@code timestamp} field in epoch ms, or -1 when absent
 * @param texts       per step, the decoded token text, or null: only kept when the parser was asked to
 *                    (semantic diversity); null as a whole otherwise
 */
public record TokenRecord(String model, String release, String rolloutId, String promptId,
                          boolean isFinal, String finishReason, long timestamp,
                          int[] positions, double[] entropies, double[] upperBounds, byte[] estimators, String[] texts) {

    public int steps() {
        return positions.length;
    }

    /** The highest position in this record (the rollout's last token when {@link #isFinal()}). */
    public int maxPosition() {
        int max = -1;
        for (int p : positions) {
            max = Math.max(max, p);
        }
        return max;
    }
}
