package dev.canopy.semantic;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The embedded rollouts kept for one prompt: the {@code capacity} smallest rollout-id hashes seen
 * (a bottom-k sample: uniform, and the same set whatever the arrival order). Entries are kept sorted
 * by hash, so everything computed from them is independent of arrival order to the last bit.
 * {@link #admits} says, before paying for an embedding, whether a rollout would be kept.
 *
 * <p>Binary form: count, dimension, then per entry hash, length, rate and the embedding's floats.
 */
public final class PromptSample {

    private final int capacity;
    private final List<SemanticAccumulator.Entry> entries = new ArrayList<>();

    public PromptSample(int capacity) {
        if (capacity < 2) {
            throw new IllegalArgumentException("need room for at least 2 rollouts a prompt, got " + capacity);
        }
        this.capacity = capacity;
    }

    /** Whether a rollout with this id hash would enter the sample (not already in it, and among the smallest). */
    public boolean admits(long hash) {
        int i = indexOf(hash);
        if (i >= 0) {
            return false;
        }
        return entries.size() < capacity || Long.compareUnsigned(hash, entries.get(entries.size() - 1).hash()) < 0;
    }

    /** Adds an entry when {@link #admits} it, evicting the largest hash beyond capacity; returns whether kept. */
    public boolean add(SemanticAccumulator.Entry e) {
        if (!admits(e.hash())) {
            return false;
        }
        entries.add(-indexOf(e.hash()) - 1, e);
        if (entries.size() > capacity) {
            entries.remove(entries.size() - 1);
        }
        return true;
    }

    /** Whether the sample holds a rollout with this id hash. */
    public boolean contains(long hash) {
        return indexOf(hash) >= 0;
    }

    /**
     * Removes the entry with the largest hash (a smaller one is about to take its place); returns it.
     *
     * @throws IllegalStateException when the sample is empty
     */
    public SemanticAccumulator.Entry removeLargest() {
        if (entries.isEmpty()) {
            throw new IllegalStateException("empty sample");
        }
        return entries.remove(entries.size() - 1);
    }

    private int indexOf(long hash) {
        int lo = 0;
        int hi = entries.size() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int c = Long.compareUnsigned(entries.get(mid).hash(), hash);
            if (c < 0) {
                lo = mid + 1;
            } else if (c > 0) {
                hi = mid - 1;
            } else {
                return mid;
            }
        }
        return -(lo + 1);
    }

    public List<SemanticAccumulator.Entry> entries() {
        return Collections.unmodifiableList(entries);
    }

    public int size() {
        return entries.size();
    }

    public byte[] toBytes() {
        int dim = entries.isEmpty() ? 0 : entries.get(0).embedding().length;
        ByteBuffer buf = ByteBuffer.allocate(8 + entries.size() * (8 + 4 + 8 + 4 * dim));
        buf.putInt(entries.size()).putInt(dim);
        for (SemanticAccumulator.Entry e : entries) {
            if (e.embedding().length != dim) {
                throw new IllegalStateException("embeddings of one prompt differ in dimension: " + dim + " and " + e.embedding().length);
            }
            buf.putLong(e.hash()).putInt(e.length()).putDouble(e.rate());
            for (float f : e.embedding()) {
                buf.putFloat(f);
            }
        }
        return buf.array();
    }

    /**
     * Reads a sample; a capacity smaller than the stored count (the setting was lowered) keeps the
     * smallest hashes, which is the sample the smaller capacity would have kept.
     */
    public static PromptSample fromBytes(byte[] bytes, int capacity) {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        PromptSample s = new PromptSample(capacity);
        int n = buf.getInt();
        int dim = buf.getInt();
        for (int i = 0; i < n; i++) {
            long hash = buf.getLong();
            int length = buf.getInt();
            double rate = buf.getDouble();
            float[] v = new float[dim];
            for (int j = 0; j < dim; j++) {
                v[j] = buf.getFloat();
            }
            if (s.entries.size() < capacity) {
                s.entries.add(new SemanticAccumulator.Entry(hash, v, length, rate));
            }
        }
        return s;
    }
}
