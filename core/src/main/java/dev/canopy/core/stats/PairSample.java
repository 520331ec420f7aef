package dev.canopy.core.stats;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Arrays;

/**
 * The (N, r) pairs of a set of rollouts, kept exactly while there are at most {@code capacity} of them
 * and, beyond that, as a bottom-k sample: the {@code capacity} pairs whose rollout-id hash is smallest.
 * A bottom-k sample is a uniform random sample without replacement (the hash plays the coin), and it
 * merges exactly and in any order: the union of two bottom-k samples, cut to the k smallest hashes, is
 * the bottom-k sample of the union. Memory is bounded by 20 bytes a pair times the capacity.
 *
 * <p>Spearman and Kendall need the pairs; computed on a sample of k pairs their standard error is
 * about 1/sqrt(k) (0.016 for the default 4096) on top of the sampling error of the rollouts themselves.
 */
public final class PairSample {

    public static final int DEFAULT_CAPACITY = 4096;

    private final int capacity;
    private long seen;
    private int size;
    // max-heap on priority: index 0 holds the largest kept priority
    private long[] priority;
    private int[] length;
    private double[] rate;

    public PairSample(int capacity) {
        if (capacity < 2) {
            throw new IllegalArgumentException("pair sample capacity must be at least 2, got " + capacity);
        }
        this.capacity = capacity;
        int initial = Math.min(capacity, 16);
        this.priority = new long[initial];
        this.length = new int[initial];
        this.rate = new double[initial];
    }

    public int capacity() {
        return capacity;
    }

    /** Pairs offered in total (including those not kept). */
    public long seen() {
        return seen;
    }

    public int size() {
        return size;
    }

    /** True when every pair offered is kept, so statistics over the sample are exact. */
    public boolean isExact() {
        return seen == size;
    }

    public void add(long hash, int n, double r) {
        seen++;
        offer(hash, n, r);
    }

    private void offer(long hash, int n, double r) {
        if (size < capacity) {
            if (size == priority.length) {
                int grown = Math.min(capacity, size * 2);
                priority = Arrays.copyOf(priority, grown);
                length = Arrays.copyOf(length, grown);
                rate = Arrays.copyOf(rate, grown);
            }
            priority[size] = hash;
            length[size] = n;
            rate[size] = r;
            siftUp(size++);
        } else if (less(hash, n, r, 0)) {
            priority[0] = hash;
            length[0] = n;
            rate[0] = r;
            siftDown(0);
        }
    }

    public void merge(PairSample other) {
        seen += other.seen;
        for (int i = 0; i < other.size; i++) {
            offer(other.priority[i], other.length[i], other.rate[i]);
        }
    }

    public double[] lengths() {
        double[] out = new double[size];
        for (int i = 0; i < size; i++) {
            out[i] = length[i];
        }
        return out;
    }

    public double[] rates() {
        return Arrays.copyOf(rate, size);
    }

    /** Total order on (priority, length, rate) so ties of the hash still sample deterministically. */
    private boolean less(long h, int n, double r, int j) {
        if (h != priority[j]) {
            return Long.compareUnsigned(h, priority[j]) < 0;
        }
        if (n != length[j]) {
            return n < length[j];
        }
        return Double.compare(r, rate[j]) < 0;
    }

    private void siftUp(int i) {
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (less(priority[parent], length[parent], rate[parent], i)) {
                swap(i, parent);
                i = parent;
            } else {
                return;
            }
        }
    }

    private void siftDown(int i) {
        while (true) {
            int l = 2 * i + 1;
            int largest = i;
            if (l < size && less(priority[largest], length[largest], rate[largest], l)) {
                largest = l;
            }
            int r = l + 1;
            if (r < size && less(priority[largest], length[largest], rate[largest], r)) {
                largest = r;
            }
            if (largest == i) {
                return;
            }
            swap(i, largest);
            i = largest;
        }
    }

    private void swap(int a, int b) {
        long p = priority[a];
        priority[a] = priority[b];
        priority[b] = p;
        int n = length[a];
        length[a] = length[b];
        length[b] = n;
        double r = rate[a];
        rate[a] = rate[b];
        rate[b] = r;
    }

    void write(DataOutput out) throws IOException {
        out.writeInt(capacity);
        out.writeLong(seen);
        out.writeInt(size);
        for (int i = 0; i < size; i++) {
            out.writeLong(priority[i]);
            out.writeInt(length[i]);
            out.writeDouble(rate[i]);
        }
    }

    static PairSample read(DataInput in) throws IOException {
        PairSample s = new PairSample(in.readInt());
        long seen = in.readLong();
        int size = in.readInt();
        for (int i = 0; i < size; i++) {
            s.offer(in.readLong(), in.readInt(), in.readDouble());
        }
        s.seen = seen;
        return s;
    }
}
