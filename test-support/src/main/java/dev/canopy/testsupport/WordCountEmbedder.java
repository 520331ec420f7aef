package dev.canopy.testsupport;

import dev.canopy.semantic.Embedder;

import java.util.List;

/**
 * A small deterministic embedder with known vectors, for tests: a text is a list of words {@code w0} ..
 * {@code w7} and its vector the L2-normalised counts of each word (other words are ignored; a text with
 * none is the unit vector of w0). Texts of the same words in any order embed identically, texts with no
 * word in common are orthogonal.
 */
public final class WordCountEmbedder implements Embedder {

    /** The length of every vector, and the number of distinct words ({@code w0} .. {@code w7}). */
    public static final int DIMENSION = 8;

    @Override
    public int dimension() {
        return DIMENSION;
    }

    @Override
    public float[][] embed(List<String> texts) {
        float[][] out = new float[texts.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = vector(texts.get(i));
        }
        return out;
    }

    /** The vector of one text, as {@link #embed} gives it: for computing expected values by hand. */
    public static float[] vector(String text) {
        double[] counts = new double[DIMENSION];
        for (String word : text.trim().split("\\s+")) {
            if (word.length() == 2 && word.charAt(0) == 'w' && word.charAt(1) >= '0' && word.charAt(1) < '0' + DIMENSION) {
                counts[word.charAt(1) - '0']++;
            }
        }
        double norm = 0;
        for (double c : counts) {
            norm += c * c;
        }
        float[] v = new float[DIMENSION];
        if (norm == 0) {
            v[0] = 1;
            return v;
        }
        for (int k = 0; k < DIMENSION; k++) {
            v[k] = (float) (counts[k] / Math.sqrt(norm));
        }
        return v;
    }
}
