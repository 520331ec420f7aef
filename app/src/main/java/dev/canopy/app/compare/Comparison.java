package dev.canopy.app.compare;

import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;

/**
 * The outcome of a comparison: per {@link Metric}, the two releases' values, the delta and its
 * percentile bootstrap interval.
 *
 * <p>Intervals are 95% percentile intervals: the 2.5% and 97.5% quantiles of the replicate values,
 * with numpy's default (linear) interpolation, {@code x[h] + (h - floor h)(x[h+1] - x[h])} at
 * {@code h = (m - 1) q} over the m sorted defined values. A replicate where a metric is undefined is left
 * out of that metric's interval; when more than 1% of replicates are, the interval is undefined.
 *
 * @param source   a human description of the input (file names or the monitor URL)
 * @param semantic the semantic-diversity comparison, or null without {@code --semantic}
 */
record Comparison(ReleaseData baseline, ReleaseData candidate, Bootstrap.Replicates replicates, String source,
                  Map<Metric, Result> metrics, SemanticComparison semantic) {

    /** Lower and upper percentile of the 95% interval. */
    static final double LOW = 0.025;
    static final double HIGH = 0.975;
    /** Largest share of undefined replicates that still gives an interval. */
    static final double MAX_UNDEFINED = 0.01;

    /**
     * One metric's row.
     *
     * @param percentDelta 100 delta / |baseline|; NaN for metrics that can be negative or a zero baseline
     * @param significant  whether [ciLow, ciHigh] excludes 0; null when the interval is undefined
     * @param baselineCi   the baseline's own 95% interval (for the correlation plot)
     * @param candidateCi  the candidate's own 95% interval
     */
    record Result(double baseline, double candidate, double delta, double ciLow, double ciHigh, double percentDelta,
                  Boolean significant, double[] baselineCi, double[] candidateCi) {
    }

    static Comparison of(ReleaseData baseline, ReleaseData candidate, Bootstrap.Replicates reps, String source) {
        Map<Metric, Result> rows = new EnumMap<>(Metric.class);
        for (Metric m : Metric.values()) {
            int i = m.ordinal();
            rows.put(m, result(baseline.point(m), candidate.point(m), reps.baseline()[i], reps.candidate()[i], m.signed()));
        }
        return new Comparison(baseline, candidate, reps, source, rows, null);
    }

    /** This comparison with its semantic part. */
    Comparison withSemantic(SemanticComparison s) {
        return new Comparison(baseline, candidate, replicates, source, metrics, s);
    }

    /**
     * One metric's row from its two point values and its replicate values.
     *
     * @param signed whether the metric can be negative (no percent change then)
     */
    static Result result(double b, double c, double[] baselineReplicates, double[] candidateReplicates, boolean signed) {
        double delta = c - b;
        double[] d = new double[baselineReplicates.length];
        for (int r = 0; r < d.length; r++) {
            d[r] = candidateReplicates[r] - baselineReplicates[r];
        }
        double[] ci = interval(d);
        double percent = signed || b == 0 || !Double.isFinite(b) ? Double.NaN : 100 * delta / Math.abs(b);
        Boolean significant = Double.isFinite(ci[0]) && Double.isFinite(ci[1]) ? ci[0] > 0 || ci[1] < 0 : null;
        return new Result(b, c, Double.isFinite(delta) ? delta : Double.NaN, ci[0], ci[1], percent, significant,
                interval(baselineReplicates), interval(candidateReplicates));
    }

    Result result(Metric m) {
        return metrics.get(m);
    }

    /** The 95% percentile interval of replicate values (see the class comment): {low, high}, NaN when undefined. */
    static double[] interval(double[] values) {
        double[] finite = Arrays.stream(values).filter(Double::isFinite).sorted().toArray();
        if (finite.length == 0 || values.length - finite.length > MAX_UNDEFINED * values.length) {
            return new double[] {Double.NaN, Double.NaN};
        }
        return new double[] {quantile(finite, LOW), quantile(finite, HIGH)};
    }

    /** The q-quantile of sorted values by linear interpolation (numpy's default). */
    static double quantile(double[] sorted, double q) {
        double h = (sorted.length - 1) * q;
        int lo = (int) Math.floor(h);
        if (lo + 1 >= sorted.length) {
            return sorted[sorted.length - 1];
        }
        return sorted[lo] + (h - lo) * (sorted[lo + 1] - sorted[lo]);
    }
}
