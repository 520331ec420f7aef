package dev.canopy.simulator;

/**
 * One generated token of a {@link SampledRollout}.
 *
 * @param state   the transient state the token was sampled from (0 = start, {@code 1 + v} after token v)
 * @param token   the sampled token, {@code 0..V-1}, or {@link MarkovLanguageModel#eos()} ({@code = V})
 * @param logprob natural log-probability of the sampled token in that state's row, always {@code <= 0}
 * @param entropy exact entropy in nats of that state's next-token distribution (EOS included), {@code >= 0}
 */
public record SampledStep(int state, int token, double logprob, double entropy) {
}
