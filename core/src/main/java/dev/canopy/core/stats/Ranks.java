package dev.canopy.core.stats;

import org.apache.commons.math3.stat.correlation.KendallsCorrelation;
import org.apache.commons.math3.stat.correlation.PearsonsCorrelation;
import org.apache.commons.math3.stat.correlation.SpearmansCorrelation;

import java.util.Arrays;

/**
 * The ranks of one sample, and Spearman and Kendall tau-b from them, on primitive arrays. commons-math
 * 3.6.1 boxes every value and sorts objects, which dominated the monitor's CPU on samples of thousands
 * of pairs. The results are bit-identical to its {@link SpearmansCorrelation} and
 * {@link KendallsCorrelation}: values are ordered and tied as {@link Double#compare} orders them (so
 * -0.0 ranks below 0.0), the mid-ranks are the same exact half-integers fed to the same
 * {@link PearsonsCorrelation}, and tau-b is the same integer pair counts put through the same
 * floating-point formula. Inputs commons-math rejects or treats specially (NaN, fewer than two pairs,
 * unequal lengths) go to commons-math itself.
 */
final class Ranks {

    /** Samples this small are insertion-sorted; a radix sort's 8 x 256 counts would cost more. */
    private static final int SMALL = 64;

    /** dense[i]: the index of v[i] among the distinct values of v, ascending. */
    private final int[] dense;
    /** below[j]: how many values sort before distinct value j; below[distinct] = n. */
    private final int[] below;
    private final int distinct;
    /** The positions of v in ascending order of value. */
    private final int[] order;

    private Ranks(int[] dense, int[] below, int distinct, int[] order) {
        this.dense = dense;
        this.below = below;
        this.distinct = distinct;
        this.order = order;
    }

    /** Whether the primitive path applies to these samples (otherwise commons-math decides). */
    static boolean handles(double[] x, double[] y) {
        return x.length == y.length && x.length >= 2 && !hasNaN(x) && !hasNaN(y);
    }

    static double spearman(double[] x, double[] y) {
        return handles(x, y) ? spearman(of(x), of(y)) : new SpearmansCorrelation().correlation(x, y);
    }

    static double kendall(double[] x, double[] y) {
        return handles(x, y) ? kendall(of(x), of(y)) : new KendallsCorrelation().correlation(x, y);
    }

    /** The ranks of a NaN-free sample: one sort of (key, position), then one pass. */
    static Ranks of(double[] v) {
        int n = v.length;
        long[] keys = new long[n];
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            keys[i] = orderKey(v[i]);
            order[i] = i;
        }
        sort(keys, order);
        int[] dense = new int[n];
        int[] below = new int[n + 1];
        int m = 0;
        for (int i = 0; i < n; i++) {
            if (i == 0 || keys[i] != keys[i - 1]) {
                below[m++] = i;
            }
            dense[order[i]] = m - 1;
        }
        below[m] = n;
        return new Ranks(dense, below, m, order);
    }

    /** Spearman: Pearson of the mid-ranks, as commons-math computes it. */
    static double spearman(Ranks x, Ranks y) {
        return new PearsonsCorrelation().correlation(x.midRanks(), y.midRanks());
    }

    /**
     * Kendall tau-b from the pair counts: (pairs - tiedX - tiedY + tiedXY - 2 * discordant) over
     * sqrt((pairs - tiedX) * (pairs - tiedY)), the counts as longs and the product as a double, so
     * nothing overflows at any sample size an array can hold.
     */
    static double kendall(Ranks x, Ranks y) {
        int n = x.dense.length;
        long pairs = (long) n * (n - 1) / 2;
        // y ranks ordered by x, then y: a stable counting sort by x rank of the positions in y order;
        // x group j lands at [x.below[j], x.below[j + 1]) with its y ranks ascending
        int[] next = Arrays.copyOf(x.below, x.distinct);
        int[] yByX = new int[n];
        for (int i : y.order) {
            yByX[next[x.dense[i]]++] = y.dense[i];
        }
        long tiedXY = 0;
        for (int j = 0; j < x.distinct; j++) {
            int run = 1;
            for (int i = x.below[j] + 1; i < x.below[j + 1]; i++) {
                if (yByX[i] == yByX[i - 1]) {
                    run++;
                } else {
                    tiedXY += tiedPairs(run);
                    run = 1;
                }
            }
            tiedXY += tiedPairs(run);
        }
        long discordant = inversions(yByX, y.distinct);
        long tiedX = x.tiedPairs();
        long tiedY = y.tiedPairs();
        long concordantMinusDiscordant = pairs - tiedX - tiedY + tiedXY - 2 * discordant;
        double untiedProduct = (double) (pairs - tiedX) * (double) (pairs - tiedY);
        return concordantMinusDiscordant / Math.sqrt(untiedProduct);
    }

    /** Mid-ranks (1-based, ties share the mean of their positions): exact half-integers. */
    double[] midRanks() {
        double[] r = new double[dense.length];
        for (int i = 0; i < r.length; i++) {
            int j = dense[i];
            r[i] = ((long) below[j] + below[j + 1] + 1) / 2.0;
        }
        return r;
    }

    /** Pairs of positions holding the same value. */
    long tiedPairs() {
        long t = 0;
        for (int j = 0; j < distinct; j++) {
            t += tiedPairs(below[j + 1] - below[j]);
        }
        return t;
    }

    private static long tiedPairs(int run) {
        return (long) run * (run - 1) / 2;
    }

    /**
     * Pairs i < j with rank[i] > rank[j], counted with a Fenwick tree over the distinct ranks: the same
     * number commons-math gets as the swaps of its merge sort, tau-b's discordant pairs.
     */
    private static long inversions(int[] ranks, int distinct) {
        int[] tree = new int[distinct + 1];
        long count = 0;
        for (int seen = 0; seen < ranks.length; seen++) {
            int rank = ranks[seen];
            int atMost = 0;
            for (int k = rank + 1; k > 0; k -= k & -k) {
                atMost += tree[k];
            }
            count += seen - atMost;
            for (int k = rank + 1; k <= distinct; k += k & -k) {
                tree[k]++;
            }
        }
        return count;
    }

    /**
     * Sorts keys ascending as unsigned longs and permutes positions alongside, stably: insertion sort
     * for small samples, otherwise a least-significant-digit radix sort on bytes that skips the bytes
     * every key shares (most of them for integer lengths).
     */
    private static void sort(long[] keys, int[] positions) {
        int n = keys.length;
        if (n <= SMALL) {
            insertionSort(keys, positions);
            return;
        }
        int[] counts = new int[8 * 256];
        for (long key : keys) {
            for (int d = 0; d < 8; d++) {
                counts[d << 8 | (int) (key >>> 8 * d) & 0xff]++;
            }
        }
        long[] k = keys;
        int[] p = positions;
        long[] kOut = new long[n];
        int[] pOut = new int[n];
        for (int d = 0; d < 8; d++) {
            int shift = 8 * d;
            int base = d << 8;
            if (counts[base | (int) (k[0] >>> shift) & 0xff] == n) {
                continue;
            }
            int sum = 0;
            for (int b = base; b < base + 256; b++) {
                int c = counts[b];
                counts[b] = sum;
                sum += c;
            }
            for (int i = 0; i < n; i++) {
                long key = k[i];
                int o = counts[base | (int) (key >>> shift) & 0xff]++;
                kOut[o] = key;
                pOut[o] = p[i];
            }
            long[] kt = k;
            k = kOut;
            kOut = kt;
            int[] pt = p;
            p = pOut;
            pOut = pt;
        }
        if (k != keys) {
            System.arraycopy(k, 0, keys, 0, n);
            System.arraycopy(p, 0, positions, 0, n);
        }
    }

    private static void insertionSort(long[] k, int[] p) {
        for (int i = 1; i < k.length; i++) {
            long key = k[i];
            int pos = p[i];
            int j = i - 1;
            while (j >= 0 && Long.compareUnsigned(k[j], key) > 0) {
                k[j + 1] = k[j];
                p[j + 1] = p[j];
                j--;
            }
            k[j + 1] = key;
            p[j + 1] = pos;
        }
    }

    /**
     * A long whose unsigned order is {@link Double#compare}'s order on v: positives get the sign bit set,
     * negatives have every bit flipped so larger magnitudes sort lower, and -0.0 lands just below 0.0.
     */
    private static long orderKey(double v) {
        long bits = Double.doubleToLongBits(v);
        return bits ^ (bits >> 63 | Long.MIN_VALUE);
    }

    private static boolean hasNaN(double[] v) {
        for (double d : v) {
            if (Double.isNaN(d)) {
                return true;
            }
        }
        return false;
    }
}
