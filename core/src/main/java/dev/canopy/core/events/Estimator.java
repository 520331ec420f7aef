package dev.canopy.core.events;

/** Where a step's entropy came from, best first (METRICS.md, "Per step"). */
public enum Estimator {
    /** The server's exact entropy of the sampling distribution. */
    EXACT("exact"),
    /** Entropy of the top-k logprobs renormalised over the candidates. */
    TOPK("topk"),
    /** Surprisal -logprob of the sampled token: unbiased for the sum, noisier. */
    SURPRISAL("surprisal");

    private static final Estimator[] VALUES = values();
    private final String code;

    Estimator(String code) {
        this.code = code;
    }

    public String code() {
        return code;
    }

    public static Estimator ofOrdinal(int ordinal) {
        return VALUES[ordinal];
    }
}
