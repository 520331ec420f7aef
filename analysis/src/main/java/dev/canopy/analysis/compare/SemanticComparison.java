package dev.canopy.analysis.compare;

import java.util.EnumMap;
import java.util.Map;

/**
 * The semantic part of a comparison: per {@link SemanticMetric} the two releases' values, the change, its
 * prompt-jackknife t interval and its flag (the rules of {@link Comparison}, the four metrics being their own
 * family), and the ratio candidate / baseline of the entropy-rate coupling corr(d, r), the paper's "nearly
 * triples", with a percentile bootstrap interval.
 *
 * <p>Both the jackknife (leaving out one prompt at a time) and the bootstrap (for the ratio, with the
 * command's seed and replicate count) work on prompts, paired when the two releases' semantic tables share a
 * prompt id and unpaired otherwise, and re-pool the fixed per-prompt values: d̄_p, Vendi_p and the within-prompt correlations are not recomputed from
 * resampled rollouts. For traffic without prompt ids (the main comparison's rollout bootstrap) there is a
 * single group whose values are fixed, so nothing is resampled ({@code resampled() == false}) and every
 * interval is undefined.
 *
 * @param design the prompt design used, or null when not resampled
 * @param ratio  candidate / baseline of {@link SemanticMetric#ENTROPY_RATE}: defined when both are positive
 */
record SemanticComparison(SemanticRelease baseline, SemanticRelease candidate, Bootstrap.Design design, int replicates,
                          Map<SemanticMetric, Comparison.Result> metrics, Ratio ratio) {

    /**
     * A ratio with its 95% percentile interval. The interval is undefined when the point is, or when more
     * than 1% of replicates have a coupling of either release at or below 0 (a ratio means nothing there).
     */
    record Ratio(double value, double ciLow, double ciHigh) {
    }

    /**
     * @param mainDesign the design of the main comparison: {@link Bootstrap.Design#ROLLOUTS} means traffic
     *                   without prompt ids, which is not resampled here
     */
    static SemanticComparison of(SemanticRelease baseline, SemanticRelease candidate, Bootstrap.Design mainDesign,
                                 int count, long seed) {
        Map<SemanticMetric, Comparison.Result> rows = new EnumMap<>(SemanticMetric.class);
        int r = SemanticMetric.ENTROPY_RATE.ordinal();
        if (mainDesign == Bootstrap.Design.ROLLOUTS) {
            double[] none = new double[0];
            for (SemanticMetric m : SemanticMetric.values()) {
                rows.put(m, Comparison.result(baseline.point(m), candidate.point(m), none, none, m.signed()));
            }
            return new SemanticComparison(baseline, candidate, null, 0, rows,
                    new Ratio(ratio(baseline.point()[r], candidate.point()[r]), Double.NaN, Double.NaN));
        }
        Bootstrap.Design design = Bootstrap.choosePrompts(baseline.table(), candidate.table());
        Bootstrap.Replicates reps = Bootstrap.runPrompts(baseline.table(), candidate.table(), design, SemanticMetric.COUNT,
                count, seed, done -> { });
        boolean[] signed = ComparedMetric.signs(SemanticMetric.values());
        Comparison.Result[] results = Comparison.jackknifeRows(baseline.point(), candidate.point(), signed, baseline.table(),
                candidate.table(), design);
        for (SemanticMetric m : SemanticMetric.values()) {
            rows.put(m, results[m.ordinal()]);
        }
        double value = ratio(baseline.point()[r], candidate.point()[r]);
        double[] replicateRatios = new double[count];
        for (int b = 0; b < count; b++) {
            replicateRatios[b] = ratio(reps.baseline()[r][b], reps.candidate()[r][b]);
        }
        double[] ci = Double.isFinite(value) ? Comparison.interval(replicateRatios) : new double[] {Double.NaN, Double.NaN};
        return new SemanticComparison(baseline, candidate, design, count, rows, new Ratio(value, ci[0], ci[1]));
    }

    /** candidate / baseline when both are positive, else NaN. */
    static double ratio(double baseline, double candidate) {
        return baseline > 0 && candidate > 0 ? candidate / baseline : Double.NaN;
    }

    boolean resampled() {
        return design != null;
    }

    Comparison.Result result(SemanticMetric m) {
        return metrics.get(m);
    }
}
