package dev.canopy.connectors.events;

import dev.canopy.core.events.EventWriter;

/**
 * One validated step, ready to be written as a contract-v1 record by core's {@link EventWriter}
 * ({@link #toRecord}).
 *
 * @param logprob      sampled token's log-probability, finite and &lt;= 0, or NaN when absent
 * @param topLogprobs  candidates' log-probabilities (finite, &lt;= 0, 1..1000 entries), or null when absent
 * @param entropy      exact entropy (finite, &gt;= 0), or NaN when absent
 * @param text         decoded token text, or null
 * @param timestamp    epoch ms, or -1 when absent
 * @param finishReason on the final step, the finish reason or null; ignored otherwise
 */
public record TokenEvent(String rolloutId, int position, double logprob, double[] topLogprobs, double entropy,
                         String text, long timestamp, boolean isFinal, String finishReason) {

    /** This step as one per-token record of the rollout described by {@code ctx}. */
    public byte[] toRecord(RolloutContext ctx) {
        return EventWriter.token(new EventWriter.Rollout(ctx.model(), ctx.release(), rolloutId, ctx.promptId()),
                new EventWriter.Step(position, logprob, entropy, topLogprobs, text),
                new EventWriter.Tail(isFinal, isFinal ? finishReason : null, timestamp));
    }

    /** This step marked as the rollout's last one. */
    public TokenEvent asFinal(String reason) {
        return new TokenEvent(rolloutId, position, logprob, topLogprobs, entropy, text, timestamp, true, reason);
    }
}
