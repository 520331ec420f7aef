package dev.canopy.core.stats;

import java.util.Map;

/**
 * The bounded set of prompt ids an accumulator tracks: while more than {@code max} are present, the one
 * whose id hash is largest is dropped and the threshold lowered to its hash, so only prompts hashing
 * below the threshold are admitted later. The kept set is the {@code max} smallest hashes among every
 * prompt seen, whatever the order of arrival or merging: a uniform sample of prompts.
 */
public final class PromptSampling {

    private PromptSampling() {
    }

    /** Whether a new prompt may be admitted under the (unsigned) threshold. */
    public static boolean admits(String promptId, long threshold) {
        return Long.compareUnsigned(Hashing.hash64(promptId), threshold) < 0;
    }

    /**
     * Drops prompts beyond {@code max}, largest hash first, and those at or above the threshold.
     *
     * @return the new threshold
     */
    public static long enforce(Map<String, ?> prompts, int max, long threshold) {
        prompts.keySet().removeIf(p -> !admits(p, threshold));
        long t = threshold;
        while (prompts.size() > max) {
            String largest = null;
            long largestHash = 0;
            for (String p : prompts.keySet()) {
                long h = Hashing.hash64(p);
                if (largest == null || Long.compareUnsigned(h, largestHash) > 0) {
                    largest = p;
                    largestHash = h;
                }
            }
            prompts.remove(largest);
            t = largestHash;
        }
        return t;
    }

    /** The smaller (unsigned) of two thresholds. */
    public static long min(long a, long b) {
        return Long.compareUnsigned(a, b) <= 0 ? a : b;
    }
}
