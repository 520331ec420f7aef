package dev.canopy.connectors.events;

import java.util.Arrays;

/**
 * The checks that stand between a server's numbers and an event (see {@link RolloutEmitter}).
 *
 * <ul>
 *   <li>Sampled logprob: NaN/infinite, at or below {@link #SENTINEL_FLOOR}, or above
 *       {@link #LOGPROB_TOLERANCE} rejects the step: such a value says the reported distribution is not
 *       the one the token was sampled from, and an event built on it would be bogus.</li>
 *   <li>Candidates: entries that are -Infinity or at or below the sentinel floor are probability zero and
 *       are dropped (this changes no entropy); a NaN or positive entry makes the list corrupt and rejects
 *       the step. Entries within the rounding allowance above zero are kept as they are (the contract
 *       reads them as zero). Beyond 1000 candidates (the contract's limit) the 1000 largest are kept.</li>
 *   <li>A step with none of entropy, candidates, logprob left is rejected as missing.</li>
 * </ul>
 */
public final class StepValidator {

    /** vLLM clamps -inf logprobs to -9999.0; no real logprob comes near it (exp(-745) is below the smallest double). */
    public static final double SENTINEL_FLOOR = -9999.0;
    /** A logprob up to this far above zero is rounding (the contract's allowance). */
    public static final double LOGPROB_TOLERANCE = 1e-6;
    /** Contract v1's limit on top_logprobs entries. */
    public static final int MAX_CANDIDATES = 1000;

    /** A validated step's values (NaN / null = absent), or the reason it is unusable. */
    public record Outcome(double logprob, double[] topLogprobs, double entropy, Rejection.Reason rejected) {
        public boolean isRejected() {
            return rejected != null;
        }
    }

    private StepValidator() {
    }

    public static Outcome validate(TokenStep step) {
        double entropy = Double.NaN;
        if (step.entropy() != null) {
            double h = step.entropy();
            if (!(h >= 0) || Double.isInfinite(h)) {
                return reject(Rejection.Reason.INVALID_ENTROPY);
            }
            entropy = h;
        }
        double logprob = Double.NaN;
        if (step.logprob() != null) {
            double l = step.logprob();
            if (Double.isNaN(l) || Double.isInfinite(l)) {
                return reject(Rejection.Reason.NON_FINITE_LOGPROB);
            }
            if (l <= SENTINEL_FLOOR) {
                return reject(Rejection.Reason.SENTINEL_LOGPROB);
            }
            if (l > LOGPROB_TOLERANCE) {
                return reject(Rejection.Reason.POSITIVE_LOGPROB);
            }
            logprob = l;
        }
        double[] top = null;
        if (step.topLogprobs() != null) {
            double[] raw = step.topLogprobs();
            double[] kept = new double[raw.length];
            int k = 0;
            for (double v : raw) {
                if (Double.isNaN(v) || v > LOGPROB_TOLERANCE) {
                    return reject(Rejection.Reason.INVALID_TOP_LOGPROBS);
                }
                if (v == Double.NEGATIVE_INFINITY || v <= SENTINEL_FLOOR) {
                    continue;
                }
                kept[k++] = v;
            }
            if (k > 0) {
                top = k == raw.length ? raw.clone() : Arrays.copyOf(kept, k);
                if (top.length > MAX_CANDIDATES) {
                    Arrays.sort(top);
                    top = Arrays.copyOfRange(top, top.length - MAX_CANDIDATES, top.length);
                }
            }
        }
        if (Double.isNaN(entropy) && top == null && Double.isNaN(logprob)) {
            return reject(Rejection.Reason.MISSING_LOGPROBS);
        }
        return new Outcome(logprob, top, entropy, null);
    }

    private static Outcome reject(Rejection.Reason reason) {
        return new Outcome(Double.NaN, null, Double.NaN, reason);
    }
}
