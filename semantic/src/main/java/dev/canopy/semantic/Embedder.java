package dev.canopy.semantic;

import java.util.List;

/** Turns rollout texts into L2-normalised sentence embeddings. */
public interface Embedder {

    int dimension();

    /** One unit-length vector per text, in order. */
    float[][] embed(List<String> texts);
}
