package dev.canopy.core.stats;

import dev.canopy.core.assembly.CompletedRollout;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * The mergeable aggregate of one prompt group's rollouts (METRICS.md, "Per prompt"): sums for CE*_p,
 * L_p, R_p and the truncation rate, streamed co-moments of (N, r), and the (N, r) pairs for the rank
 * correlations (exact up to the pair capacity, a bottom-k sample beyond: see {@link PairSample}).
 * Two accumulators of disjoint rollouts merge into the accumulator of their union, in any order.
 */
public final class PromptAccumulator {

    private long rollouts;
    private long truncated;
    private long lengthSum;
    private double entropySum;
    private double upperSum;
    private double rateSum;
    private final Moments moments;
    private final PairSample pairs;
    /** The last {@link #coefficients()}, or null when a mutation has made it stale. */
    private Correlations.Coefficients coefficients;

    public PromptAccumulator(int pairCapacity) {
        this(new Moments(), new PairSample(pairCapacity));
    }

    private PromptAccumulator(Moments moments, PairSample pairs) {
        this.moments = moments;
        this.pairs = pairs;
    }

    public void add(CompletedRollout r) {
        coefficients = null;
        rollouts++;
        if (r.truncated()) {
            truncated++;
        }
        lengthSum += r.length();
        entropySum += r.entropySum();
        upperSum += r.entropyUpperSum();
        double rate = r.entropyRate();
        rateSum += rate;
        moments.add(r.length(), rate);
        pairs.add(Hashing.hash64(r.rolloutId()), r.length(), rate);
    }

    public void merge(PromptAccumulator o) {
        coefficients = null;
        rollouts += o.rollouts;
        truncated += o.truncated;
        lengthSum += o.lengthSum;
        entropySum += o.entropySum;
        upperSum += o.upperSum;
        rateSum += o.rateSum;
        moments.merge(o.moments);
        pairs.merge(o.pairs);
    }

    public long rollouts() {
        return rollouts;
    }

    public long tokens() {
        return lengthSum;
    }

    /** CE*_p: the mean summed step entropy of a rollout. */
    public double ceStar() {
        return entropySum / rollouts;
    }

    public double ceStarUpper() {
        return upperSum / rollouts;
    }

    public double meanLength() {
        return (double) lengthSum / rollouts;
    }

    public double meanEntropyRate() {
        return rateSum / rollouts;
    }

    public double truncationRate() {
        return (double) truncated / rollouts;
    }

    /** Whether the rank correlations are computed over every rollout (true) or over a sample. */
    public boolean exactPairs() {
        return pairs.isExact();
    }

    /**
     * rho(N, r) by the three methods and the covariance. With every pair kept all four come from the
     * pairs (two-pass); otherwise Pearson and the covariance come from the exact streamed co-moments and
     * Spearman and Kendall from the bottom-k sample. Cached until the next add or merge, since ranking
     * thousands of pairs costs more than all the other getters together (unsynchronised, like the class).
     */
    public Correlations.Coefficients coefficients() {
        if (coefficients == null) {
            coefficients = computeCoefficients();
        }
        return coefficients;
    }

    private Correlations.Coefficients computeCoefficients() {
        Correlations.Coefficients fromPairs = Correlations.of(pairs.lengths(), pairs.rates());
        if (pairs.isExact()) {
            return fromPairs;
        }
        return new Correlations.Coefficients(Correlations.pearson(moments), fromPairs.spearman(),
                fromPairs.kendall(), Correlations.covariance(moments));
    }

    public void write(DataOutput out) throws IOException {
        out.writeLong(rollouts);
        out.writeLong(truncated);
        out.writeLong(lengthSum);
        out.writeDouble(entropySum);
        out.writeDouble(upperSum);
        out.writeDouble(rateSum);
        moments.write(out);
        pairs.write(out);
    }

    public static PromptAccumulator read(DataInput in) throws IOException {
        long rollouts = in.readLong();
        long truncated = in.readLong();
        long lengthSum = in.readLong();
        double entropySum = in.readDouble();
        double upperSum = in.readDouble();
        double rateSum = in.readDouble();
        PromptAccumulator a = new PromptAccumulator(Moments.read(in), PairSample.read(in));
        a.rollouts = rollouts;
        a.truncated = truncated;
        a.lengthSum = lengthSum;
        a.entropySum = entropySum;
        a.upperSum = upperSum;
        a.rateSum = rateSum;
        return a;
    }
}
