package dev.canopy.testsupport;

import dev.canopy.semantic.Embedder;

import java.util.List;
import java.util.SplittableRandom;

/**
 * A deterministic stand-in for a sentence-embedding model in topology tests: the normalised sum of
 * one fixed pseudo-random vector per word (seeded by the word). Texts sharing words are close, texts
 * with disjoint words nearly orthogonal. The real model runs in the integration tests.
 *
 * <p>Any text can be embedded, so it suits tests whose texts are real words; where a test needs to
 * know the vectors exactly, {@link WordCountEmbedder} is the one.
 */
public final class HashedWordEmbedder implements Embedder {

    /** The length of every vector. */
    public static final int DIMENSION = 32;

    @Override
    public int dimension() {
        return DIMENSION;
    }

    @Override
    public float[][] embed(List<String> texts) {
        float[][] out = new float[texts.size()][];
        for (int t = 0; t < out.length; t++) {
            double[] sum = new double[DIMENSION];
            for (String word : texts.get(t).trim().split("\\s+")) {
                SplittableRandom rng = new SplittableRandom(word.hashCode());
                for (int i = 0; i < DIMENSION; i++) {
                    sum[i] += rng.nextDouble() * 2 - 1;
                }
            }
            double norm = 0;
            for (double x : sum) {
                norm += x * x;
            }
            norm = Math.sqrt(norm);
            float[] v = new float[DIMENSION];
            for (int i = 0; i < DIMENSION; i++) {
                v[i] = (float) (sum[i] / norm);
            }
            out[t] = v;
        }
        return out;
    }
}
