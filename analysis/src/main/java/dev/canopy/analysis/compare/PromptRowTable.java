package dev.canopy.analysis.compare;

import java.util.HashMap;
import java.util.Map;

/**
 * The prompt-id bookkeeping shared by the per-prompt tables the bootstrap resamples: row i holds one
 * prompt, found by id; subclasses hold the per-prompt values in columns and pool them.
 */
abstract class PromptRowTable implements Bootstrap.PromptRows {

    private final String[] ids;
    private final Map<String, Integer> index = new HashMap<>();

    PromptRowTable(int size) {
        ids = new String[size];
    }

    /** Names row i after its prompt. */
    final void setId(int i, String id) {
        ids[i] = id;
        index.put(id, i);
    }

    @Override
    public final int size() {
        return ids.length;
    }

    @Override
    public final String id(int i) {
        return ids[i];
    }

    @Override
    public final int indexOf(String id) {
        Integer i = index.get(id);
        return i == null ? -1 : i;
    }

    /** The pooled metrics of every prompt, in table order: the report's values. */
    final double[] pooled() {
        int[] all = new int[size()];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        return pooled(all, all.length);
    }
}
