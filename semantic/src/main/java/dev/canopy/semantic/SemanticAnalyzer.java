package dev.canopy.semantic;

import dev.canopy.core.assembly.CompletedRollout;
import dev.canopy.core.report.ReportJson;
import dev.canopy.core.stats.GroupKey;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Embeds completed rollouts' texts in batches and keeps a {@link SemanticAccumulator} per model and
 * release; writes the report's {@code semantic} block. Rollouts without text are counted, not embedded.
 * Not thread-safe.
 */
public final class SemanticAnalyzer {

    private static final int BATCH = 32;

    private final Embedder embedder;
    private final int perPrompt;
    private final int maxPrompts;
    private final Map<GroupKey, SemanticAccumulator> groups = new HashMap<>();
    private final List<CompletedRollout> pending = new ArrayList<>();
    private final List<String> pendingTexts = new ArrayList<>();
    private long withoutText;
    private long embedded;
    private long embedNanos;

    public SemanticAnalyzer(Embedder embedder, int perPrompt, int maxPrompts) {
        this.embedder = embedder;
        this.perPrompt = perPrompt;
        this.maxPrompts = maxPrompts;
    }

    public void accept(CompletedRollout rollout, String text) {
        if (text == null || text.isBlank()) {
            withoutText++;
            return;
        }
        pending.add(rollout);
        pendingTexts.add(text);
        if (pending.size() >= BATCH) {
            flush();
        }
    }

    public void flush() {
        if (pending.isEmpty()) {
            return;
        }
        long t0 = System.nanoTime();
        float[][] vectors = embedder.embed(pendingTexts);
        embedNanos += System.nanoTime() - t0;
        for (int i = 0; i < vectors.length; i++) {
            CompletedRollout r = pending.get(i);
            groups.computeIfAbsent(new GroupKey(r.model(), r.release()), k -> new SemanticAccumulator(perPrompt, maxPrompts))
                    .add(r, vectors[i]);
        }
        embedded += vectors.length;
        pending.clear();
        pendingTexts.clear();
    }

    public long embedded() {
        return embedded;
    }

    public long withoutText() {
        return withoutText;
    }

    /** Embeddings per second of embedding time so far. */
    public double embeddingsPerSecond() {
        return embedNanos == 0 ? Double.NaN : embedded / (embedNanos / 1e9);
    }

    public SemanticMetrics metrics(GroupKey key) {
        SemanticAccumulator acc = groups.get(key);
        return acc == null ? null : SemanticMetrics.of(acc);
    }

    /** The report extension writing each group's semantic block (call {@link #flush()} first). */
    public ReportJson.GroupExtension extension() {
        return (group, g) -> {
            SemanticMetrics m = metrics(group.key());
            if (m == null) {
                g.writeNullField("semantic");
            } else {
                SemanticJson.write(m, g);
            }
        };
    }
}
