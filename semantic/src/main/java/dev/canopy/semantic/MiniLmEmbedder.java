package dev.canopy.semantic;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;

import java.util.ArrayList;
import java.util.List;

/**
 * The quantized all-MiniLM-L6-v2 sentence-embedding model (384 dimensions), run in the JVM with ONNX
 * Runtime from the model file packaged in its Maven artifact: no download, no network at run time.
 * Inputs beyond 128 word pieces (the max_length of the tokenizer shipped with the model) are truncated.
 * ONNX Runtime keeps every core busy while it embeds; load time and latency per call are in
 * BENCHMARKS.md, "Semantic diversity".
 */
public final class MiniLmEmbedder implements Embedder {

    private final AllMiniLmL6V2QuantizedEmbeddingModel model = new AllMiniLmL6V2QuantizedEmbeddingModel();

    @Override
    public int dimension() {
        return 384;
    }

    @Override
    public float[][] embed(List<String> texts) {
        List<TextSegment> segments = new ArrayList<>(texts.size());
        for (String t : texts) {
            segments.add(TextSegment.from(t.isBlank() ? " " : t));
        }
        List<Embedding> out = model.embedAll(segments).content();
        float[][] vectors = new float[out.size()][];
        for (int i = 0; i < vectors.length; i++) {
            vectors[i] = normalise(out.get(i).vector());
        }
        return vectors;
    }

    static float[] normalise(float[] v) {
        double norm = 0;
        for (float x : v) {
            norm += (double) x * x;
        }
        norm = Math.sqrt(norm);
        if (norm == 0) {
            return v;
        }
        float[] u = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            u[i] = (float) (v[i] / norm);
        }
        return u;
    }
}
