package dev.canopy.semantic;

import dev.canopy.core.assembly.CompletedRollout;
import dev.canopy.core.stats.Hashing;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The embedded rollouts of one model and release, per prompt: each rollout's unit embedding with its
 * length N and entropy rate r. Memory is bounded: at most {@code perPrompt} rollouts a prompt (a
 * bottom-k sample by rollout-id hash beyond that, uniform and order-independent) and at most
 * {@code maxPrompts} prompts (the smallest prompt-id hashes), i.e. at most
 * perPrompt x maxPrompts x (4 x dimension + 24) bytes — 1.6 KB a rollout for MiniLM.
 */
public final class SemanticAccumulator {

    /** One embedded rollout. */
    public record Entry(long hash, float[] embedding, int length, double rate) {
    }

    private final int perPrompt;
    private final int maxPrompts;
    private final TreeMap<String, List<Entry>> prompts = new TreeMap<>();
    private long embedded;

    public SemanticAccumulator(int perPrompt, int maxPrompts) {
        if (perPrompt < 2 || maxPrompts < 1) {
            throw new IllegalArgumentException("need at least 2 rollouts a prompt and 1 prompt");
        }
        this.perPrompt = perPrompt;
        this.maxPrompts = maxPrompts;
    }

    public void add(CompletedRollout r, float[] embedding) {
        embedded++;
        List<Entry> list = prompts.get(r.promptId());
        if (list == null) {
            if (prompts.size() >= maxPrompts) {
                String largest = prompts.keySet().stream().max(Comparator.comparing(Hashing::hash64, Long::compareUnsigned)).orElseThrow();
                if (Long.compareUnsigned(Hashing.hash64(r.promptId()), Hashing.hash64(largest)) >= 0) {
                    return;
                }
                prompts.remove(largest);
            }
            list = new ArrayList<>();
            prompts.put(r.promptId(), list);
        }
        Entry e = new Entry(Hashing.hash64(r.rolloutId()), embedding, r.length(), r.entropyRate());
        if (list.size() < perPrompt) {
            list.add(e);
            return;
        }
        int worst = 0;
        for (int i = 1; i < list.size(); i++) {
            if (Long.compareUnsigned(list.get(i).hash(), list.get(worst).hash()) > 0) {
                worst = i;
            }
        }
        if (Long.compareUnsigned(e.hash(), list.get(worst).hash()) < 0) {
            list.set(worst, e);
        }
    }

    /** Rollouts embedded in total (including those a bound left out). */
    public long embedded() {
        return embedded;
    }

    public Map<String, List<Entry>> prompts() {
        return java.util.Collections.unmodifiableMap(prompts);
    }

    /** Rollouts kept (what the metrics are computed from). */
    public long kept() {
        return prompts.values().stream().mapToLong(List::size).sum();
    }
}
