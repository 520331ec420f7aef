package dev.canopy.simulator;

import java.util.Objects;

/**
 * A rollout drawn by {@link MarkovLanguageModel#sample}: the generated steps in order.
 *
 * <p>Step {@code i} is the token at contract position {@code i}; the length N is {@code steps.length}
 * and includes the EOS step when the rollout stopped. When {@code truncated} is true the rollout hit
 * the token limit without sampling EOS (contract finish_reason "length"), otherwise its last step is
 * EOS (finish_reason "stop"). The array is owned by the record and must not be modified.
 *
 * @param steps     the generated steps, never empty
 * @param truncated whether generation was cut off by the token limit
 */
public record SampledRollout(SampledStep[] steps, boolean truncated) {

    public SampledRollout {
        Objects.requireNonNull(steps, "steps");
        if (steps.length == 0) {
            throw new IllegalArgumentException("a rollout has at least one step");
        }
    }

    /** N, the number of generated tokens (EOS included when the rollout stopped). */
    public int length() {
        return steps.length;
    }

    /** The step at a 0-based position. */
    public SampledStep step(int position) {
        return steps[position];
    }

    /** H_sum: the sum of the exact step entropies, the per-rollout estimate of canopy entropy. */
    public double entropySum() {
        double s = 0;
        for (SampledStep st : steps) {
            s += st.entropy();
        }
        return s;
    }

    /** The surprisal {@code -sum logprob} of the sampled tokens, an unbiased but noisier estimate of CE*. */
    public double surprisalSum() {
        double s = 0;
        for (SampledStep st : steps) {
            s -= st.logprob();
        }
        return s;
    }

    /** The entropy rate r = H_sum / N. */
    public double entropyRate() {
        return entropySum() / steps.length;
    }

    /** The contract finish_reason: "length" when truncated, otherwise "stop". */
    public String finishReason() {
        return truncated ? "length" : "stop";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SampledRollout r && truncated == r.truncated && java.util.Arrays.equals(steps, r.steps);
    }

    @Override
    public int hashCode() {
        return 31 * java.util.Arrays.hashCode(steps) + Boolean.hashCode(truncated);
    }

    @Override
    public String toString() {
        return "SampledRollout[length=" + steps.length + ", truncated=" + truncated + "]";
    }
}
