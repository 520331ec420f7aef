package dev.canopy.semantic;

import dev.canopy.core.assembly.CompletedRollout;
import dev.canopy.core.stats.Hashing;

import java.util.Collections;
import java.util.Comparator;
import java.util.Map;
import java.util.TreeMap;

/**
 * The embedded rollouts of one model and release, per prompt: each rollout's unit embedding with its
 * length N and entropy rate r. Memory is bounded: at most {@code perPrompt} rollouts a prompt (a
 * {@link PromptSample}: bottom-k by rollout-id hash, uniform and order-independent) and at most
 * {@code maxPrompts} prompts (the smallest prompt-id hashes), i.e. at most
 * perPrompt x maxPrompts x (4 x dimension + 20) bytes — 1.6 KB a rollout for MiniLM.
 * Rollouts without a prompt id form one group (prompt id "").
 */
public final class SemanticAccumulator {

    /** One embedded rollout. */
    public record Entry(long hash, float[] embedding, int length, double rate) {
    }

    private final int perPrompt;
    private final int maxPrompts;
    private final TreeMap<String, PromptSample> prompts = new TreeMap<>();
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
        PromptSample sample = prompts.get(r.promptId());
        if (sample == null) {
            if (prompts.size() >= maxPrompts) {
                String largest = prompts.keySet().stream().max(Comparator.comparing(Hashing::hash64, Long::compareUnsigned)).orElseThrow();
                if (Long.compareUnsigned(Hashing.hash64(r.promptId()), Hashing.hash64(largest)) >= 0) {
                    return;
                }
                prompts.remove(largest);
            }
            sample = new PromptSample(perPrompt);
            prompts.put(r.promptId(), sample);
        }
        sample.add(new Entry(Hashing.hash64(r.rolloutId()), embedding, r.length(), r.entropyRate()));
    }

    /** Rollouts embedded in total (including those a bound left out). */
    public long embedded() {
        return embedded;
    }

    public Map<String, PromptSample> prompts() {
        return Collections.unmodifiableMap(prompts);
    }

    /** Rollouts kept, in prompts of any size. */
    public long kept() {
        return prompts.values().stream().mapToLong(PromptSample::size).sum();
    }
}
