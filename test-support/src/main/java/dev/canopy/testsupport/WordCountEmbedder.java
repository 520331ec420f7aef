package dev.canopy.testsupport;

import dev.canopy.semantic.Embedder;
import java.util.List;

public final class WordCountEmbedder implements Embedder {
    public static final int DIMENSION = 8;

    public int dimension() {
        return 8;
    }

    public float[][] embed(List<String> texts) {
        float[][] out = new float[texts.size()][];

        for (int i = 0; i < out.length; i++) {
            out[i] = vector(texts.get(i));
        }

        return out;
    }

    public static float[] vector(String text) {
        double[] counts = new double[8];

        for (String word : text.trim().split("\\s+")) {
            if (word.length() == 2 && word.charAt(0) == 'w' && word.charAt(1) >= '0' && word.charAt(1) < '8') {
                counts[word.charAt(1) - '0']++;
            }
        }

        double norm = 0.0;

        for (double c : counts) {
            norm += c * c;
        }

        float[] v = new float[8];
        if (norm == 0.0) {
            v[0] = 1.0F;
            return v;
        }

        for (int k = 0; k < 8; k++) {
            v[k] = (float)(counts[k] / Math.sqrt(norm));
        }

        return v;
    }
}
