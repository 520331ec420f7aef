package dev.canopy.analysis.compare;

import com.fasterxml.jackson.databind.JsonNode;
import dev.canopy.core.stats.GroupMetrics;
import dev.canopy.core.stats.PromptPool;

import java.util.List;

/**
 * One release's per-prompt statistics (CE*_p, its upper bound, L_p, R_p, truncation rate, the four
 * rho_p and n_p), in report order, and the pooled metrics of any list of those prompts. Every pooled
 * metric is a function of these per-prompt values (METRICS.md, "Pooled over prompts"), which is what
 * lets the prompt bootstrap run from a monitor's report as well as from event files.
 *
 * <p>{@link #pooled} and {@link GroupMetrics#of} both pool through core's {@link PromptPool}, so the pooled
 * metrics of all prompts in table order equal the report's values exactly; a prompt listed twice counts twice, which is how a bootstrap replicate weighs a prompt
 * drawn twice.
 */
final class PromptTable extends PromptRowTable {

    private final long[] n;
    private final double[] ce;
    private final double[] ceUpper;
    private final double[] length;
    private final double[] rate;
    private final double[] truncation;
    private final double[] pearson;
    private final double[] spearman;
    private final double[] kendall;
    private final double[] covariance;

    private PromptTable(int size) {
        super(size);
        n = new long[size];
        ce = new double[size];
        ceUpper = new double[size];
        length = new double[size];
        rate = new double[size];
        truncation = new double[size];
        pearson = new double[size];
        spearman = new double[size];
        kendall = new double[size];
        covariance = new double[size];
    }

    /** From the per-prompt metrics of a replay ({@link GroupMetrics#perPrompt()}). */
    static PromptTable of(List<GroupMetrics.PromptMetrics> prompts) {
        PromptTable t = new PromptTable(prompts.size());
        for (int i = 0; i < prompts.size(); i++) {
            GroupMetrics.PromptMetrics p = prompts.get(i);
            t.set(i, p.promptId(), p.rollouts(), p.ceStar(), p.ceStarUpper(), p.meanLength(), p.meanEntropyRate(),
                    p.truncationRate(), p.coefficients().pearson(), p.coefficients().spearman(),
                    p.coefficients().kendall(), p.coefficients().covariance());
        }
        return t;
    }

    /** From a report group's {@code per_prompt} array (JSON nulls are undefined values). */
    static PromptTable of(JsonNode perPrompt) {
        PromptTable t = new PromptTable(perPrompt.size());
        for (int i = 0; i < perPrompt.size(); i++) {
            JsonNode p = perPrompt.get(i);
            t.set(i, p.path("prompt_id").asText(""), p.path("rollouts").asLong(), num(p, "ce_star"),
                    num(p, "ce_star_upper"), num(p, "mean_length"), num(p, "mean_entropy_rate"),
                    num(p, "truncation_rate"), num(p, "pearson"), num(p, "spearman"), num(p, "kendall"),
                    num(p, "covariance"));
        }
        return t;
    }

    private static double num(JsonNode p, String field) {
        JsonNode v = p.get(field);
        return v == null || !v.isNumber() ? Double.NaN : v.asDouble();
    }

    private void set(int i, String id, long rollouts, double ce, double ceUpper, double length, double rate,
                     double truncation, double pearson, double spearman, double kendall, double covariance) {
        setId(i, id);
        this.n[i] = rollouts;
        this.ce[i] = ce;
        this.ceUpper[i] = ceUpper;
        this.length[i] = length;
        this.rate[i] = rate;
        this.truncation[i] = truncation;
        this.pearson[i] = pearson;
        this.spearman[i] = spearman;
        this.kendall[i] = kendall;
        this.covariance[i] = covariance;
    }

    /** The prompt's mean entropy rate R_p. */
    double meanEntropyRate(int i) {
        return rate[i];
    }

    /** Production traffic: the only prompt group is "" (rollouts without a prompt id). */
    boolean trafficOnly() {
        return size() == 1 && id(0).isEmpty();
    }

    /**
     * The pooled metrics (indexed by {@link Metric} ordinal) of the prompts {@code rows[0..count)}, a
     * row as often as it is listed. With no row every metric is undefined (NaN).
     */
    @Override
    public double[] pooled(int[] rows, int count) {
        PromptPool pool = new PromptPool(count);
        for (int i = 0; i < count; i++) {
            int r = rows[i];
            pool.add(n[r], ce[r], ceUpper[r], length[r], rate[r], truncation[r], pearson[r], spearman[r], kendall[r],
                    covariance[r]);
        }
        PromptPool.Pooled p = pool.pooled();
        double[] v = new double[Metric.COUNT];
        v[Metric.CE_STAR.ordinal()] = p.ceStar();
        v[Metric.CE_STAR_UPPER.ordinal()] = p.ceStarUpper();
        v[Metric.MEAN_LENGTH.ordinal()] = p.meanLength();
        v[Metric.MEAN_ENTROPY_RATE.ordinal()] = p.meanEntropyRate();
        v[Metric.TRUNCATION_RATE.ordinal()] = p.truncationRate();
        v[Metric.GEN_PPL.ordinal()] = p.genPpl();
        v[Metric.BRANCHING_FACTOR.ordinal()] = p.branchingFactor();
        v[Metric.PEARSON.ordinal()] = p.lengthEntropyRate().pearson();
        v[Metric.SPEARMAN.ordinal()] = p.lengthEntropyRate().spearman();
        v[Metric.KENDALL.ordinal()] = p.lengthEntropyRate().kendall();
        v[Metric.COVARIANCE.ordinal()] = p.lengthEntropyRate().covariance();
        v[Metric.LENGTH_DRIVEN.ordinal()] = p.lengthDriven();
        v[Metric.COUPLING.ordinal()] = p.coupling();
        return v;
    }
}
