package dev.canopy.analysis.compare;

import com.fasterxml.jackson.databind.JsonNode;
import dev.canopy.core.stats.Pooling;
import dev.canopy.semantic.SemanticMetrics;

import java.util.List;

/**
 * One release's per-prompt semantic values (n_p embedded rollouts, the mean rollout diversity d̄_p, the
 * Vendi score and the Pearson correlations of d with the entropy rate and with the length), in report
 * order, and the pooled {@link SemanticMetric}s of any list of those prompts.
 *
 * <p>{@link #pooled} repeats {@link SemanticMetrics#of}'s pooling (plain means over prompts for diversity
 * and Vendi, {@link Pooling#fisherZ} with weights n_p − 3 for the correlations), so the pooled values of
 * all prompts in table order equal the report's exactly. The bootstrap resamples these rows; it does not
 * recompute d, Vendi or the correlations within a prompt.
 */
final class SemanticTable extends PromptRowTable {

    private final long[] n;
    private final double[] diversity;
    private final double[] vendi;
    private final double[] rate;
    private final double[] length;

    private SemanticTable(int size) {
        super(size);
        n = new long[size];
        diversity = new double[size];
        vendi = new double[size];
        rate = new double[size];
        length = new double[size];
    }

    /** From {@link SemanticMetrics#perPrompt()}. */
    static SemanticTable of(List<SemanticMetrics.Prompt> prompts) {
        SemanticTable t = new SemanticTable(prompts.size());
        for (int i = 0; i < prompts.size(); i++) {
            SemanticMetrics.Prompt p = prompts.get(i);
            t.set(i, p.promptId(), p.rollouts(), p.diversity(), p.vendi(), p.rateCorrelation().pearson(), p.lengthCorrelation().pearson());
        }
        return t;
    }

    /** From the {@code per_prompt} array of a report's semantic block (JSON nulls are undefined values). */
    static SemanticTable of(JsonNode perPrompt) {
        SemanticTable t = new SemanticTable(perPrompt.size());
        for (int i = 0; i < perPrompt.size(); i++) {
            JsonNode p = perPrompt.get(i);
            t.set(i, p.path("prompt_id").asText(""), p.path("rollouts").asLong(), num(p, "diversity"), num(p, "vendi"),
                    num(p, "diversity_entropy_rate_pearson"), num(p, "diversity_length_pearson"));
        }
        return t;
    }

    static double num(JsonNode p, String field) {
        JsonNode v = p == null ? null : p.get(field);
        return v == null || !v.isNumber() ? Double.NaN : v.asDouble();
    }

    private void set(int i, String id, long rollouts, double diversity, double vendi, double rate, double length) {
        setId(i, id);
        this.n[i] = rollouts;
        this.diversity[i] = diversity;
        this.vendi[i] = vendi;
        this.rate[i] = rate;
        this.length[i] = length;
    }

    /** The prompt's mean rollout diversity d̄_p. */
    double diversity(int i) {
        return diversity[i];
    }

    /**
     * The pooled metrics (indexed by {@link SemanticMetric} ordinal) of the prompts {@code rows[0..count)},
     * a row as often as it is listed. With no row every metric is undefined (NaN).
     */
    @Override
    public double[] pooled(int[] rows, int count) {
        double diversitySum = 0;
        double vendiSum = 0;
        double[] r = new double[count];
        double[] l = new double[count];
        long[] w = new long[count];
        for (int i = 0; i < count; i++) {
            int row = rows[i];
            diversitySum += diversity[row];
            vendiSum += vendi[row];
            r[i] = rate[row];
            l[i] = length[row];
            w[i] = n[row];
        }
        double[] v = new double[SemanticMetric.COUNT];
        v[SemanticMetric.DIVERSITY.ordinal()] = count == 0 ? Double.NaN : diversitySum / count;
        v[SemanticMetric.VENDI.ordinal()] = count == 0 ? Double.NaN : vendiSum / count;
        v[SemanticMetric.ENTROPY_RATE.ordinal()] = Pooling.fisherZ(r, w);
        v[SemanticMetric.LENGTH.ordinal()] = Pooling.fisherZ(l, w);
        return v;
    }
}
