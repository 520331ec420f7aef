package dev.canopy.analysis.compare;

import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;

/**
 * The outcome of a comparison: per {@link Metric}, the two releases' values, the delta, its 95% interval,
 * its p-value, and whether it is flagged after controlling the false discovery rate over the metrics.
 *
 * <h2>Intervals</h2>
 * <ul>
 *   <li>Prompt designs (paired or unpaired): the t interval {@code delta ± t_0.975(df) · se} with the
 *       prompt jackknife's standard error and degrees of freedom ({@link Jackknife}); p = 2 P(T_df &gt; |delta|/se).
 *       Percentile bootstrap intervals over prompts were too narrow with the 5-20 prompts of a probe set
 *       ({@code canopy validate-compare}, docs/compare.md); this one holds its level there.</li>
 *   <li>The rollout design (traffic without prompt ids, thousands of rollouts): the 95% percentile interval of
 *       the bootstrap deltas, the 2.5% and 97.5% quantiles with numpy's default (linear) interpolation,
 *       {@code x[h] + (h - floor h)(x[h+1] - x[h])} at {@code h = (m - 1) q} over the m sorted defined
 *       values; p = twice the smaller share of replicate deltas on either side of 0. A replicate where a
 *       metric is undefined is left out; when more than 1% of replicates are, the interval is undefined.</li>
 * </ul>
 *
 * <h2>Flags</h2>
 * {@code significant} is the Benjamini-Hochberg decision at 5% over the metrics of the table (the 13 main
 * metrics are one family; the semantic metrics another): the expected share of false flags among the flags
 * is at most 5%, and when nothing changed, so is the chance of any flag. A marginal interval can exclude 0
 * without a flag; the p-value and the adjusted q-value say how far each row is from the line.
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
     * @param significant  whether the change is flagged: q &lt;= 5%; null when the interval is undefined
     * @param baselineCi   the baseline's own 95% interval (for the correlation plot)
     * @param candidateCi  the candidate's own 95% interval
     * @param p            the two-sided p-value of "no change" (NaN: undefined)
     * @param q            the Benjamini-Hochberg adjusted p-value over the family (NaN: undefined)
     */
    record Result(double baseline, double candidate, double delta, double ciLow, double ciHigh, double percentDelta,
                  Boolean significant, double[] baselineCi, double[] candidateCi, double p, double q) {

        /** This row with its adjusted p-value and the flag it decides. */
        Result adjusted(double q) {
            return new Result(baseline, candidate, delta, ciLow, ciHigh, percentDelta,
                    Double.isNaN(p) ? null : q <= Intervals.ALPHA, baselineCi, candidateCi, p, q);
        }

        /** Whether the marginal 95% interval excludes 0 (false when undefined). */
        boolean excludesZero() {
            return ciLow > 0 || ciHigh < 0;
        }
    }

    static Comparison of(ReleaseData baseline, ReleaseData candidate, Bootstrap.Replicates reps, String source) {
        int count = Metric.COUNT;
        double[] b = new double[count];
        double[] c = new double[count];
        boolean[] signed = ComparedMetric.signs(Metric.values());
        for (Metric m : Metric.values()) {
            b[m.ordinal()] = baseline.point(m);
            c[m.ordinal()] = candidate.point(m);
        }
        Result[] rows = reps.design() == Bootstrap.Design.ROLLOUTS
                ? bootstrapRows(b, c, signed, reps.baseline(), reps.candidate())
                : jackknifeRows(b, c, signed, baseline.prompts(), candidate.prompts(), reps.design());
        Map<Metric, Result> results = new EnumMap<>(Metric.class);
        for (Metric m : Metric.values()) {
            results.put(m, rows[m.ordinal()]);
        }
        return new Comparison(baseline, candidate, reps, source, results, null);
    }

    /** This comparison with its semantic part. */
    Comparison withSemantic(SemanticComparison s) {
        return new Comparison(baseline, candidate, replicates, source, metrics, s);
    }

    /**
     * The rows of a family compared by prompt: jackknife t intervals for the change and for each release,
     * then the family's Benjamini-Hochberg flags.
     */
    static Result[] jackknifeRows(double[] b, double[] c, boolean[] signed, Bootstrap.PromptRows baselineRows,
                                  Bootstrap.PromptRows candidateRows, Bootstrap.Design design) {
        int count = b.length;
        Jackknife.Estimate delta = Jackknife.delta(baselineRows, candidateRows, design, count);
        Jackknife.Estimate own = Jackknife.single(baselineRows, count);
        Jackknife.Estimate ownC = Jackknife.single(candidateRows, count);
        Result[] rows = new Result[count];
        for (int i = 0; i < count; i++) {
            double d = c[i] - b[i];
            Intervals.Test t = Intervals.t(d, delta.se()[i], delta.df()[i]);
            Intervals.Test tb = Intervals.t(b[i], own.se()[i], own.df()[i]);
            Intervals.Test tc = Intervals.t(c[i], ownC.se()[i], ownC.df()[i]);
            rows[i] = row(b[i], c[i], t, signed[i], new double[] {tb.low(), tb.high()}, new double[] {tc.low(), tc.high()});
        }
        return adjust(rows);
    }

    /** The rows of a family from bootstrap replicates: percentile intervals, then Benjamini-Hochberg flags. */
    static Result[] bootstrapRows(double[] b, double[] c, boolean[] signed, double[][] baselineReplicates, double[][] candidateReplicates) {
        Result[] rows = new Result[b.length];
        for (int i = 0; i < b.length; i++) {
            rows[i] = result(b[i], c[i], baselineReplicates[i], candidateReplicates[i], signed[i]);
        }
        return adjust(rows);
    }

    /** The rows with their Benjamini-Hochberg q-values and flags (see the class comment). */
    static Result[] adjust(Result[] rows) {
        double[] p = new double[rows.length];
        for (int i = 0; i < rows.length; i++) {
            p[i] = rows[i].p();
        }
        double[] q = Intervals.benjaminiHochberg(p);
        Result[] out = new Result[rows.length];
        for (int i = 0; i < rows.length; i++) {
            out[i] = rows[i].adjusted(q[i]);
        }
        return out;
    }

    /**
     * One metric's row from its two point values and its replicate values, by the percentile bootstrap,
     * before the family's adjustment ({@code significant}: whether the interval excludes 0).
     *
     * @param signed whether the metric can be negative (no percent change then)
     */
    static Result result(double b, double c, double[] baselineReplicates, double[] candidateReplicates, boolean signed) {
        double[] d = new double[baselineReplicates.length];
        for (int r = 0; r < d.length; r++) {
            d[r] = candidateReplicates[r] - baselineReplicates[r];
        }
        return row(b, c, Intervals.percentile(d), signed, interval(baselineReplicates), interval(candidateReplicates));
    }

    private static Result row(double b, double c, Intervals.Test t, boolean signed, double[] baselineCi, double[] candidateCi) {
        double delta = c - b;
        double percent = signed || b == 0 || !Double.isFinite(b) ? Double.NaN : 100 * delta / Math.abs(b);
        double low = Double.isFinite(delta) ? t.low() : Double.NaN;
        double high = Double.isFinite(delta) ? t.high() : Double.NaN;
        Boolean significant = Double.isFinite(low) && Double.isFinite(high) ? low > 0 || high < 0 : null;
        return new Result(b, c, Double.isFinite(delta) ? delta : Double.NaN, low, high, percent, significant,
                baselineCi, candidateCi, significant == null ? Double.NaN : t.p(), Double.NaN);
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
