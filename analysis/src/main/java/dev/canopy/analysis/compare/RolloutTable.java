package dev.canopy.analysis.compare;

import dev.canopy.core.assembly.CompletedRollout;
import dev.canopy.core.stats.Correlations;
import dev.canopy.core.stats.Pooling;

import java.util.Arrays;

/**
 * One release's completed rollouts as columns (N, H, the upper-bound sum, r, truncated), in the order
 * the replay measured them: what the scatter plot draws and what the rollout bootstrap resamples in
 * traffic mode (every rollout in the one prompt group "").
 *
 * <p>{@link #pooled} computes the metrics of a list of rollouts as {@code GroupMetrics.of} does for a
 * release whose only prompt group holds exactly those rollouts: means, the four coefficients over the
 * (N, r) pairs, then the same {@link Pooling} rules over that one group. Up to {@code rankCapacity}
 * rollouts every statistic is exact, as in the monitor. Beyond it the monitor computes Spearman and
 * Kendall on a uniform sample of {@code rankCapacity} pairs (its bottom-k pair sample), so here they are
 * computed on the first {@code rankCapacity} rollouts of the list, which in a bootstrap replicate are a
 * uniform draw of that size; Pearson and the covariance stay exact over the whole list.
 */
final class RolloutTable {

    private int size;
    private int[] length = new int[64];
    private double[] entropy = new double[64];
    private double[] upper = new double[64];
    private double[] rate = new double[64];
    private boolean[] truncated = new boolean[64];

    void add(CompletedRollout r) {
        if (size == length.length) {
            int grown = size * 2;
            length = Arrays.copyOf(length, grown);
            entropy = Arrays.copyOf(entropy, grown);
            upper = Arrays.copyOf(upper, grown);
            rate = Arrays.copyOf(rate, grown);
            truncated = Arrays.copyOf(truncated, grown);
        }
        length[size] = r.length();
        entropy[size] = r.entropySum();
        upper[size] = r.entropyUpperSum();
        rate[size] = r.entropyRate();
        truncated[size] = r.truncated();
        size++;
    }

    int size() {
        return size;
    }

    int length(int i) {
        return length[i];
    }

    double rate(int i) {
        return rate[i];
    }

    /** The metrics of every rollout, in table order. */
    double[] pooled(int rankCapacity) {
        int[] all = new int[size];
        for (int i = 0; i < size; i++) {
            all[i] = i;
        }
        return pooled(all, size, rankCapacity);
    }

    /** The metrics (indexed by {@link Metric} ordinal) of the rollouts {@code rows[0..count)}, repeats counted. */
    double[] pooled(int[] rows, int count, int rankCapacity) {
        double entropySum = 0;
        double upperSum = 0;
        long lengthSum = 0;
        double rateSum = 0;
        long truncatedCount = 0;
        double[] x = new double[count];
        double[] y = new double[count];
        for (int i = 0; i < count; i++) {
            int r = rows[i];
            entropySum += entropy[r];
            upperSum += upper[r];
            lengthSum += length[r];
            rateSum += rate[r];
            if (truncated[r]) {
                truncatedCount++;
            }
            x[i] = length[r];
            y[i] = rate[r];
        }
        double[] v = new double[Metric.COUNT];
        if (count == 0) {
            Arrays.fill(v, Double.NaN);
            return v;
        }
        Correlations.Coefficients c;
        if (count <= rankCapacity) {
            c = Correlations.of(x, y);
        } else {
            Correlations.Coefficients all = Correlations.pearsonAndCovariance(x, y);
            Correlations.Coefficients ranks = Correlations.of(Arrays.copyOf(x, rankCapacity), Arrays.copyOf(y, rankCapacity));
            c = new Correlations.Coefficients(all.pearson(), ranks.spearman(), ranks.kendall(), all.covariance());
        }
        double ceStar = entropySum / count;
        double meanLength = (double) lengthSum / count;
        double meanRate = rateSum / count;
        long[] n = {count};
        v[Metric.CE_STAR.ordinal()] = ceStar;
        v[Metric.CE_STAR_UPPER.ordinal()] = upperSum / count;
        v[Metric.MEAN_LENGTH.ordinal()] = meanLength;
        v[Metric.MEAN_ENTROPY_RATE.ordinal()] = meanRate;
        v[Metric.TRUNCATION_RATE.ordinal()] = (double) truncatedCount / count;
        v[Metric.GEN_PPL.ordinal()] = Math.exp(ceStar / meanLength);
        v[Metric.BRANCHING_FACTOR.ordinal()] = Math.exp(meanRate);
        v[Metric.PEARSON.ordinal()] = Pooling.fisherZ(new double[] {c.pearson()}, n);
        v[Metric.SPEARMAN.ordinal()] = Pooling.fisherZ(new double[] {c.spearman()}, n);
        v[Metric.KENDALL.ordinal()] = Pooling.kendall(new double[] {c.kendall()}, n);
        v[Metric.COVARIANCE.ordinal()] = Pooling.covariance(new double[] {c.covariance()}, n);
        double lengthDriven = meanLength * meanRate;
        v[Metric.LENGTH_DRIVEN.ordinal()] = lengthDriven;
        v[Metric.COUPLING.ordinal()] = ceStar - lengthDriven;
        return v;
    }

    /** Least-squares line r = intercept + slope * N over all rollouts: {intercept, slope}, NaN when N is constant. */
    double[] leastSquares() {
        double mx = 0;
        double my = 0;
        for (int i = 0; i < size; i++) {
            mx += length[i];
            my += rate[i];
        }
        mx /= size;
        my /= size;
        double sxx = 0;
        double sxy = 0;
        for (int i = 0; i < size; i++) {
            double dx = length[i] - mx;
            sxx += dx * dx;
            sxy += dx * (rate[i] - my);
        }
        double slope = sxx == 0 ? Double.NaN : sxy / sxx;
        return new double[] {my - slope * mx, slope};
    }
}
