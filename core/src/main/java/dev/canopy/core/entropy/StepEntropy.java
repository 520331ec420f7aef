package dev.canopy.core.entropy;

/**
 * Step entropy estimators of METRICS.md ("Per step"), in nats.
 *
 * <p>Top-k: the candidates' log-probabilities are renormalised, p_j = exp(l_j - logsumexp(l)), and
 * H = -sum p_j log p_j. Non-finite entries (-Infinity: probability zero) are ignored. With k smaller
 * than the support this is an estimate, usually low; {@link #topKUpperBound} gives the largest entropy
 * the reported candidates allow when the missing mass m = 1 - sum exp(l_j) is spread as evenly as
 * possible over the V - k tokens not reported: -sum q_j log q_j + m log((V - k) / m) with q_j = exp(l_j).
 * That bound needs the vocabulary size V; it is exact (tight) when the tail really is uniform.
 */
public final class StepEntropy {

    /** Default vocabulary size for the top-k upper bound: 2^18 covers every common tokenizer (Llama 3: 128,256; Gemma: 256,000). */
    public static final int DEFAULT_VOCABULARY_SIZE = 262_144;

    private StepEntropy() {
    }

    /**
     * Renormalised entropy of the first {@code k} entries of {@code logprobs}; non-finite entries are
     * skipped. Returns NaN when no entry is finite.
     */
    public static double topK(double[] logprobs, int k) {
        double max = maxFinite(logprobs, k);
        if (max == Double.NEGATIVE_INFINITY) {
            return Double.NaN;
        }
        double logSumExp = logSumExp(logprobs, k, max);
        double h = 0;
        for (int j = 0; j < k; j++) {
            double l = logprobs[j];
            if (Double.isFinite(l)) {
                double logP = l - logSumExp;
                h -= Math.exp(logP) * logP;
            }
        }
        return Math.max(h, 0.0);
    }

    /**
     * Upper bound on the true step entropy given the top-k candidates (see the class comment), never
     * below the renormalised estimate {@code renormalised}.
     */
    public static double topKUpperBound(double[] logprobs, int k, double renormalised, int vocabularySize) {
        int finite = 0;
        double mass = 0;
        double partial = 0;
        for (int j = 0; j < k; j++) {
            double l = logprobs[j];
            if (Double.isFinite(l)) {
                finite++;
                double q = Math.exp(l);
                mass += q;
                partial -= q * l;
            }
        }
        return Math.max(renormalised, withUniformTail(partial, mass, finite, vocabularySize));
    }

    /**
     * {@link #topK} and {@link #topKUpperBound} of one step together, with 2k + 1 exponentials instead of 3k:
     * the entropy is computed exactly as {@link #topK} computes it (the same bits), and the reported
     * probabilities the bound needs are taken from the renormalised ones, q_j = p_j exp(logsumexp(l)), instead
     * of k more exponentials. The bound agrees with {@link #topKUpperBound} to a few ulps (StepEntropyTest holds
     * it to 1e-12 relative), far inside METRICS.md's 1e-9.
     *
     * @param out receives the renormalised entropy at index 0 and the upper bound at index 1
     * @return false, with {@code out} untouched, when no entry is finite
     */
    public static boolean topKWithUpperBound(double[] logprobs, int k, int vocabularySize, double[] out) {
        double max = maxFinite(logprobs, k);
        if (max == Double.NEGATIVE_INFINITY) {
            return false;
        }
        double logSumExp = logSumExp(logprobs, k, max);
        double scale = Math.exp(logSumExp);
        double h = 0;
        int finite = 0;
        double mass = 0;
        double partial = 0;
        for (int j = 0; j < k; j++) {
            double l = logprobs[j];
            if (Double.isFinite(l)) {
                double logP = l - logSumExp;
                double p = Math.exp(logP);
                h -= p * logP;
                finite++;
                double q = p * scale;
                mass += q;
                partial -= q * l;
            }
        }
        h = Math.max(h, 0.0);
        out[0] = h;
        out[1] = Math.max(h, withUniformTail(partial, mass, finite, vocabularySize));
        return true;
    }

    /** The largest finite entry among the first k, or -Infinity when none is finite. */
    private static double maxFinite(double[] logprobs, int k) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < k; j++) {
            double l = logprobs[j];
            if (Double.isFinite(l) && l > max) {
                max = l;
            }
        }
        return max;
    }

    /** log sum exp of the finite entries among the first k, shifted by their maximum for stability. */
    private static double logSumExp(double[] logprobs, int k, double max) {
        double sum = 0;
        for (int j = 0; j < k; j++) {
            double l = logprobs[j];
            if (Double.isFinite(l)) {
                sum += Math.exp(l - max);
            }
        }
        return max + Math.log(sum);
    }

    /**
     * The bound's partial sum -sum q_j log q_j over the {@code finite} reported tokens plus the missing mass
     * m = 1 - mass spread evenly over the V - finite tokens not reported: + m log((V - finite) / m).
     */
    private static double withUniformTail(double partial, double mass, int finite, int vocabularySize) {
        double missing = 1.0 - mass;
        if (missing > 0 && vocabularySize > finite) {
            partial += missing * Math.log((vocabularySize - finite) / missing);
        }
        return partial;
    }
}
