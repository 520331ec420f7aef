package dev.canopy.testsupport;

import dev.canopy.semantic.Embedder;
import java.util.List;
import java.util.SplittableRandom;

public final class HashedWordEmbedder implements Embedder {
    public static final int DIMENSION = 32;

    public int dimension() {
        return 32;
    }

    public float[][] embed(List<String> texts) {
        float[][] out = new float[texts.size()][];

        for (int t = 0; t < out.length; t++) {
            double[] sum = new double[32];

            for (String word : texts.get(t).trim().split("\\s+")) {
                SplittableRandom rng = new SplittableRandom(word.hashCode());

                for (int i = 0; i < 32; i++) {
                    sum[i] += rng.nextDouble() * 2.0 - 1.0;
                }
            }

            double norm = 0.0;

            for (double x : sum) {
                norm += x * x;
            }

            norm = Math.sqrt(norm);
            float[] v = new float[32];

            for (int i = 0; i < 32; i++) {
                v[i] = (float)(sum[i] / norm);
            }

            out[t] = v;
        }

        return out;
    }
}
