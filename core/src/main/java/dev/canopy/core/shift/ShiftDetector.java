package dev.canopy.core.shift;

import dev.canopy.core.config.CanopyConfig;
import dev.canopy.core.stats.Moments;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Online comparison of a candidate release with its baseline, safe to evaluate continuously.
 *
 * <p><b>Method.</b> For every metric, each release gets a two-sided asymptotic
 * {@link ConfidenceSequence} at level α<sub>m</sub>/2, where α<sub>m</sub> = α / (number of metrics); a shift
 * is declared when the two sequences separate, i.e. when the interval for the difference
 * [lo<sub>c</sub> − hi<sub>b</sub>, hi<sub>c</sub> − lo<sub>b</sub>] excludes zero. Because every sequence holds at all times at
 * once, the chance of any false alarm for a release pair, over the whole monitoring period and across
 * all metrics, stays at or below α (Bonferroni over metrics and releases; conservative). The monitor may
 * therefore evaluate after every rollout.
 * <ul>
 *   <li>CE*: the mean of the rollout entropy H (equal to the prompt-pooled CE* when prompts are sampled
 *       equally; the rollout mean is what the sequence is valid for).</li>
 *   <li>Mean entropy rate: the mean of r; the branching factor exp(mean r) maps its bounds through exp.</li>
 *   <li>GenPPL = exp(mean H / mean N): the sequence is on the ratio, with the delta-method standard
 *       deviation sd(H − g N) / mean N, then mapped through exp.</li>
 *   <li>rho(N, r), Pearson, prompt-pooled: on the Fisher z scale, the pooled z of prompts with weights
 *       n<sub>p</sub> − 3 behaves as the mean of W = Σ(n<sub>p</sub> − 3) unit-variance observations; the sequence
 *       is built on that and mapped back through tanh.</li>
 * </ul>
 * Below {@code minRollouts} rollouts (or Fisher weight) on either side the answer is "insufficient
 * data", never "no shift".
 */
public final class ShiftDetector {

    /** The metrics compared, in the order they are reported. */
    public enum Metric {
        CE_STAR("ce_star"),
        GEN_PPL("gen_ppl"),
        BRANCHING_FACTOR("branching_factor"),
        MEAN_ENTROPY_RATE("mean_entropy_rate"),
        PEARSON("length_entropy_rate.pearson");

        private final String code;

        Metric(String code) {
            this.code = code;
        }

        public String code() {
            return code;
        }
    }

    /** What the detector can say about one metric. */
    public enum Status {
        INSUFFICIENT_DATA("insufficient_data"),
        NO_EVIDENCE("no_evidence"),
        SHIFT("shift");

        private final String code;

        Status(String code) {
            this.code = code;
        }

        public String code() {
            return code;
        }
    }

    /**
     * @param alpha       family-wise false-alarm probability per release pair, over all metrics and all time
     * @param minRollouts rollouts (Fisher weight for rho) needed on each side before any verdict
     * @param targetSize  sample size where the sequences are tightest
     */
    public record Settings(double alpha, int minRollouts, double targetSize) {
        public Settings {
            CanopyConfig.SHIFT_ALPHA.check(alpha);
            CanopyConfig.SHIFT_MIN_ROLLOUTS.check(minRollouts);
            if (!(targetSize > 0)) {
                throw new IllegalArgumentException(CanopyConfig.SHIFT_TARGET_ROLLOUTS.name() + " must be positive, got " + targetSize);
            }
        }

        public static Settings defaults() {
            return new Settings(CanopyConfig.SHIFT_ALPHA.defaultValue(), CanopyConfig.SHIFT_MIN_ROLLOUTS.defaultValue(),
                    CanopyConfig.SHIFT_TARGET_ROLLOUTS.defaultValue());
        }
    }

    /**
     * One metric's verdict. {@code effect} is candidate − baseline on the metric's own scale; {@code low}
     * and {@code high} bound it (NaN when there is too little data). The sizes are the evidence behind
     * the sequences: rollouts, or for rho the Fisher weight Σ(n_p − 3) of the prompts.
     */
    public record Result(Metric metric, Status status, String direction, double baseline, double candidate,
                         double effect, double low, double high, long baselineSize, long candidateSize, double alpha) {

        /** Whether the sizes are Fisher weights (rho) rather than rollout counts. */
        public boolean sizesAreFisherWeights() {
            return metric == Metric.PEARSON;
        }
    }

    /** An estimate with its confidence-sequence interval. */
    private record Interval(double estimate, double low, double high, double size) {
    }

    private ShiftDetector() {
    }

    public static List<Result> compare(ShiftStats baseline, ShiftStats candidate, Settings s) {
        double alphaMetric = s.alpha() / Metric.values().length;
        double alphaSide = alphaMetric / 2;
        double rhoParam = ConfidenceSequence.rho(s.targetSize(), alphaSide);
        List<Result> out = new ArrayList<>();
        Interval hb = mean(baseline.entropyAndLength().count(), baseline.entropyAndLength().meanX(), baseline.entropyAndLength().m2x(), alphaSide, rhoParam);
        Interval hc = mean(candidate.entropyAndLength().count(), candidate.entropyAndLength().meanX(), candidate.entropyAndLength().m2x(), alphaSide, rhoParam);
        out.add(difference(Metric.CE_STAR, hb, hc, s, alphaMetric, x -> x));
        out.add(difference(Metric.GEN_PPL, logGenPpl(baseline.entropyAndLength(), alphaSide, rhoParam),
                logGenPpl(candidate.entropyAndLength(), alphaSide, rhoParam), s, alphaMetric, Math::exp));
        Interval rb = mean(baseline.lengthAndRate().count(), baseline.lengthAndRate().meanY(), baseline.lengthAndRate().m2y(), alphaSide, rhoParam);
        Interval rc = mean(candidate.lengthAndRate().count(), candidate.lengthAndRate().meanY(), candidate.lengthAndRate().m2y(), alphaSide, rhoParam);
        out.add(difference(Metric.BRANCHING_FACTOR, rb, rc, s, alphaMetric, Math::exp));
        out.add(difference(Metric.MEAN_ENTROPY_RATE, rb, rc, s, alphaMetric, x -> x));
        out.add(difference(Metric.PEARSON, pooledZ(baseline.prompts(), alphaSide, rhoParam),
                pooledZ(candidate.prompts(), alphaSide, rhoParam), s, alphaMetric, Math::tanh));
        return out;
    }

    private static Interval mean(long n, double mean, double m2, double alpha, double rho) {
        if (n < 2) {
            return new Interval(Double.NaN, Double.NaN, Double.NaN, n);
        }
        double sd = Math.sqrt(m2 / (n - 1));
        double r = ConfidenceSequence.radius(n, sd, alpha, rho);
        return new Interval(mean, mean - r, mean + r, n);
    }

    /** log GenPPL = mean H / mean N, with the delta-method standard deviation of a ratio of means. */
    private static Interval logGenPpl(Moments hn, double alpha, double rho) {
        long n = hn.count();
        if (n < 2 || hn.meanY() <= 0) {
            return new Interval(Double.NaN, Double.NaN, Double.NaN, n);
        }
        double g = hn.meanX() / hn.meanY();
        double var = (hn.m2x() - 2 * g * hn.cxy() + g * g * hn.m2y()) / (n - 1);
        double sd = Math.sqrt(Math.max(var, 0)) / hn.meanY();
        double r = ConfidenceSequence.radius(n, sd, alpha, rho);
        return new Interval(g, g - r, g + r, n);
    }

    /** Prompt-pooled Fisher z of Pearson rho(N, r), as a mean of W = sum(n_p - 3) unit-variance draws. */
    private static Interval pooledZ(Map<String, Moments> prompts, double alpha, double rho) {
        double num = 0;
        double weight = 0;
        for (Moments m : prompts.values()) {
            if (m.count() <= 3 || m.m2x() == 0 || m.m2y() == 0) {
                continue;
            }
            double r = Math.max(-0.999999, Math.min(0.999999, m.cxy() / Math.sqrt(m.m2x() * m.m2y())));
            double w = m.count() - 3;
            num += w * 0.5 * Math.log1p(2 * r / (1 - r));
            weight += w;
        }
        if (weight == 0) {
            return new Interval(Double.NaN, Double.NaN, Double.NaN, 0);
        }
        double z = num / weight;
        double radius = ConfidenceSequence.radius(weight, 1.0, alpha, rho);
        return new Interval(z, z - radius, z + radius, weight);
    }

    private static Result difference(Metric metric, Interval b, Interval c, Settings s, double alpha,
                                     java.util.function.DoubleUnaryOperator scale) {
        double bv = scale.applyAsDouble(b.estimate());
        double cv = scale.applyAsDouble(c.estimate());
        long bn = (long) b.size();
        long cn = (long) c.size();
        if (b.size() < s.minRollouts() || c.size() < s.minRollouts() || Double.isNaN(b.estimate()) || Double.isNaN(c.estimate())) {
            return new Result(metric, Status.INSUFFICIENT_DATA, null, bv, cv, cv - bv, Double.NaN, Double.NaN, bn, cn, alpha);
        }
        double low = scale.applyAsDouble(c.low()) - scale.applyAsDouble(b.high());
        double high = scale.applyAsDouble(c.high()) - scale.applyAsDouble(b.low());
        Status status = low > 0 || high < 0 ? Status.SHIFT : Status.NO_EVIDENCE;
        String direction = status == Status.SHIFT ? (low > 0 ? "up" : "down") : null;
        return new Result(metric, status, direction, bv, cv, cv - bv, low, high, bn, cn, alpha);
    }
}
