package dev.canopy.analysis.compare;

import dev.canopy.core.stats.Correlations;
import dev.canopy.core.stats.GroupMetrics;
import dev.canopy.semantic.SemanticMetrics;
import dev.canopy.testsupport.ReferenceResampler;
import org.apache.commons.math3.stat.descriptive.rank.Percentile;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The semantic bootstrap against an independent computation: METRICS.md's pooling written out from the
 * text, the documented draws replicate by replicate, and the ratio rule.
 */
class SemanticBootstrapTest {

    /** One prompt's semantic values. */
    private record Row(String id, int n, double diversity, double vendi, double rate, double length) {
        SemanticMetrics.Prompt prompt() {
            return new SemanticMetrics.Prompt(id, n, diversity, vendi, new Correlations.Coefficients(rate, Double.NaN, Double.NaN, Double.NaN),
                    new Correlations.Coefficients(length, Double.NaN, Double.NaN, Double.NaN));
        }

        Row renamed(String prefix) {
            return new Row(prefix + id, n, diversity, vendi, rate, length);
        }
    }

    // hand-made: one prompt with n = 3 (no Fisher weight), one with an undefined correlation
    private static final List<Row> BASE = List.of(
            new Row("p-1", 16, 0.31, 5.2, 0.10, 0.05),
            new Row("p-2", 30, 0.25, 7.9, 0.22, -0.10),
            new Row("p-3", 3, 0.40, 2.6, 0.90, 0.50),
            new Row("p-4", 8, 0.12, 2.1, Double.NaN, 0.20),
            new Row("p-5", 20, 0.35, 6.4, 0.05, 0.12),
            new Row("p-6", 12, 0.28, 4.0, 0.18, -0.02));
    private static final List<Row> TUNED = List.of(
            new Row("p-1", 16, 0.22, 3.9, 0.41, 0.15),
            new Row("p-2", 30, 0.19, 6.1, 0.55, 0.20),
            new Row("p-3", 3, 0.30, 2.2, -0.20, 0.90),
            new Row("p-4", 8, 0.10, 1.8, 0.35, 0.25),
            new Row("p-5", 20, 0.27, 5.0, 0.47, 0.30),
            new Row("p-6", 12, 0.20, 3.3, 0.52, 0.05));

    // ---- METRICS.md, written from the text ----

    private static double atanhClipped(double rho) {
        return IndependentPooling.atanhClipped(rho);
    }

    private static double fisher(List<Row> rows, boolean rate) {
        return IndependentPooling.fisher(rows.stream().mapToDouble(r -> rate ? r.rate() : r.length()).toArray(),
                rows.stream().mapToLong(Row::n).toArray());
    }

    private static double[] reference(List<Row> rows) {
        double[] v = new double[SemanticMetric.COUNT];
        v[SemanticMetric.DIVERSITY.ordinal()] = rows.stream().mapToDouble(Row::diversity).sum() / rows.size();
        v[SemanticMetric.VENDI.ordinal()] = rows.stream().mapToDouble(Row::vendi).sum() / rows.size();
        v[SemanticMetric.ENTROPY_RATE.ordinal()] = fisher(rows, true);
        v[SemanticMetric.LENGTH.ordinal()] = fisher(rows, false);
        return v;
    }

    /** A release as the event-file input builds it: point values are SemanticMetrics' (here: the reference's). */
    private static SemanticRelease release(String name, List<Row> rows) {
        double[] p = reference(rows);
        SemanticMetrics m = new SemanticMetrics(rows.stream().mapToInt(Row::n).sum(), rows.stream().mapToInt(Row::n).sum(), rows.size(),
                p[0], p[1], new Correlations.Coefficients(p[2], Double.NaN, Double.NaN, Double.NaN),
                new Correlations.Coefficients(p[3], Double.NaN, Double.NaN, Double.NaN), rows.stream().map(Row::prompt).toList());
        return SemanticRelease.of(new ReleaseRef("m", name), m);
    }

    private static void assertClose(double expected, double actual, String what) {
        if (Double.isNaN(expected)) {
            assertTrue(Double.isNaN(actual), what + ": expected undefined, got " + actual);
        } else {
            assertEquals(expected, actual, 1e-12 * Math.max(1, Math.abs(expected)), what);
        }
    }

    private static double percentile(double[] values, double p) {
        return new Percentile().withEstimationType(Percentile.EstimationType.R_7).evaluate(values, p);
    }

    // ---- tests ----

    @Test
    void shouldPoolTheTableAsTheIndependentFormulas() {
        SemanticRelease r = release("base", BASE);
        double[] expected = reference(BASE);
        double[] pooled = r.table().pooled();
        for (SemanticMetric m : SemanticMetric.values()) {
            assertClose(expected[m.ordinal()], pooled[m.ordinal()], m.key());
            assertClose(expected[m.ordinal()], r.point(m), m.key());
        }
    }

    @Test
    void shouldEqualTheDocumentedPairedDrawsReplicateByReplicate() {
        int count = 400;
        long seed = 17;
        SemanticRelease b = release("base", BASE);
        SemanticRelease c = release("tuned", TUNED);
        SemanticComparison s = SemanticComparison.of(b, c, Bootstrap.Design.PAIRED_PROMPTS, count, seed);
        assertEquals(Bootstrap.Design.PAIRED_PROMPTS, s.design());
        Bootstrap.Replicates reps = Bootstrap.runPrompts(b.table(), c.table(), Bootstrap.Design.PAIRED_PROMPTS, SemanticMetric.COUNT,
                count, seed, d -> { });
        ReferenceResampler draws = new ReferenceResampler(seed);
        double[][] deltas = new double[SemanticMetric.COUNT][count];
        double[] ratios = new double[count];
        for (int i = 0; i < count; i++) {
            List<List<Row>> drawn = ReferenceResampler.drawPaired(draws.nextReplicate(), BASE, TUNED);
            double[] eb = reference(drawn.get(0));
            double[] et = reference(drawn.get(1));
            for (SemanticMetric m : SemanticMetric.values()) {
                assertClose(eb[m.ordinal()], reps.baseline()[m.ordinal()][i], "baseline " + m.key() + " replicate " + i);
                assertClose(et[m.ordinal()], reps.candidate()[m.ordinal()][i], "candidate " + m.key() + " replicate " + i);
                deltas[m.ordinal()][i] = et[m.ordinal()] - eb[m.ordinal()];
            }
            int r = SemanticMetric.ENTROPY_RATE.ordinal();
            ratios[i] = eb[r] > 0 && et[r] > 0 ? et[r] / eb[r] : Double.NaN;
        }
        // the metrics' intervals: the paired prompt jackknife written out, one prompt left out of both releases at a time
        int p = BASE.size();
        double t975 = new org.apache.commons.math3.distribution.TDistribution(p - 1).inverseCumulativeProbability(0.975);
        for (SemanticMetric m : SemanticMetric.values()) {
            double[] leftOut = new double[p];
            for (int k = 0; k < p; k++) {
                List<Row> bk = new ArrayList<>(BASE);
                List<Row> tk = new ArrayList<>(TUNED);
                bk.remove(k);
                tk.remove(k);
                leftOut[k] = reference(tk)[m.ordinal()] - reference(bk)[m.ordinal()];
            }
            double mean = java.util.Arrays.stream(leftOut).average().orElseThrow();
            double se = Math.sqrt((p - 1.0) / p * java.util.Arrays.stream(leftOut).map(x -> (x - mean) * (x - mean)).sum());
            double delta = reference(TUNED)[m.ordinal()] - reference(BASE)[m.ordinal()];
            Comparison.Result r = s.result(m);
            assertClose(delta, r.delta(), m.key() + " delta");
            assertClose(delta - t975 * se, r.ciLow(), m.key() + " ci_low");
            assertClose(delta + t975 * se, r.ciHigh(), m.key() + " ci_high");
            assertTrue(r.ciLow() <= r.delta() && r.delta() <= r.ciHigh(), m.key() + ": the interval contains the point change");
            assertEquals(r.ciLow() > 0 || r.ciHigh() < 0, r.p() < 0.05, m.key());
            assertTrue(!r.significant() || r.ciLow() > 0 || r.ciHigh() < 0, m.key() + ": a flag needs an interval without 0");
        }
        double rb = reference(BASE)[SemanticMetric.ENTROPY_RATE.ordinal()];
        double rt = reference(TUNED)[SemanticMetric.ENTROPY_RATE.ordinal()];
        assertTrue(rb > 0 && rt > 0);
        assertClose(rt / rb, s.ratio().value(), "ratio");
        long undefined = java.util.Arrays.stream(ratios).filter(Double::isNaN).count();
        if (undefined <= 0.01 * count) {
            double[] finite = java.util.Arrays.stream(ratios).filter(Double::isFinite).toArray();
            assertClose(percentile(finite, 2.5), s.ratio().ciLow(), "ratio ci_low");
            assertClose(percentile(finite, 97.5), s.ratio().ciHigh(), "ratio ci_high");
        } else {
            assertTrue(Double.isNaN(s.ratio().ciLow()) && Double.isNaN(s.ratio().ciHigh()), "too many undefined ratios: no interval");
        }
    }

    @Test
    void shouldResampleEachReleaseIndependentlyWithoutSharedPrompts() {
        List<Row> other = TUNED.stream().map(r -> r.renamed("x-")).toList();
        SemanticRelease b = release("base", BASE);
        SemanticRelease c = release("tuned", other);
        SemanticComparison s = SemanticComparison.of(b, c, Bootstrap.Design.UNPAIRED_PROMPTS, 300, 5);
        assertEquals(Bootstrap.Design.UNPAIRED_PROMPTS, s.design());
        assertFalse(s.design().paired());
        Bootstrap.Replicates reps = Bootstrap.runPrompts(b.table(), c.table(), Bootstrap.Design.UNPAIRED_PROMPTS, SemanticMetric.COUNT,
                300, 5, d -> { });
        ReferenceResampler draws = new ReferenceResampler(5);
        for (int i = 0; i < 300; i++) {
            SplittableRandom rng = draws.nextReplicate();
            List<Row> bd = ReferenceResampler.draw(rng, BASE);
            List<Row> td = ReferenceResampler.draw(rng, other);
            assertClose(reference(bd)[SemanticMetric.DIVERSITY.ordinal()], reps.baseline()[SemanticMetric.DIVERSITY.ordinal()][i], "baseline " + i);
            assertClose(reference(td)[SemanticMetric.ENTROPY_RATE.ordinal()], reps.candidate()[SemanticMetric.ENTROPY_RATE.ordinal()][i], "candidate " + i);
        }
        // the main comparison being paired does not make the semantic one paired: it follows the semantic prompt ids
        assertEquals(Bootstrap.Design.UNPAIRED_PROMPTS, SemanticComparison.of(b, c, Bootstrap.Design.PAIRED_PROMPTS, 100, 5).design());
        for (SemanticMetric m : SemanticMetric.values()) {
            Comparison.Result r = s.result(m);
            assertTrue(r.ciLow() <= r.delta() && r.delta() <= r.ciHigh(), m.key());
        }
    }

    @Test
    void shouldGiveTheSameOutputForTheSameSeed() {
        SemanticRelease b = release("base", BASE);
        SemanticRelease c = release("tuned", TUNED);
        Bootstrap.Replicates one = Bootstrap.runPrompts(b.table(), c.table(), Bootstrap.Design.PAIRED_PROMPTS, SemanticMetric.COUNT, 500, 9, d -> { });
        Bootstrap.Replicates two = Bootstrap.runPrompts(b.table(), c.table(), Bootstrap.Design.PAIRED_PROMPTS, SemanticMetric.COUNT, 500, 9, d -> { });
        Bootstrap.Replicates other = Bootstrap.runPrompts(b.table(), c.table(), Bootstrap.Design.PAIRED_PROMPTS, SemanticMetric.COUNT, 500, 10, d -> { });
        for (int m = 0; m < SemanticMetric.COUNT; m++) {
            assertArrayEquals(one.baseline()[m], two.baseline()[m]);
            assertArrayEquals(one.candidate()[m], two.candidate()[m]);
        }
        assertNotEquals(java.util.Arrays.toString(one.candidate()[0]), java.util.Arrays.toString(other.candidate()[0]));
        SemanticComparison x = SemanticComparison.of(b, c, Bootstrap.Design.PAIRED_PROMPTS, 500, 9);
        SemanticComparison y = SemanticComparison.of(b, c, Bootstrap.Design.PAIRED_PROMPTS, 500, 9);
        for (SemanticMetric m : SemanticMetric.values()) {
            assertEquals(x.result(m).ciLow(), y.result(m).ciLow(), m.key());
            assertEquals(x.result(m).ciHigh(), y.result(m).ciHigh(), m.key());
        }
        assertEquals(x.ratio(), y.ratio());
    }

    @Test
    void shouldDrawTheSamePromptListsAsTheMainMetricsForTheSamePrompts() {
        // main CE*_p and semantic d_p set to the same distinct values: equal replicate means show equal draws
        List<GroupMetrics.PromptMetrics> main = new ArrayList<>();
        for (Row r : BASE) {
            main.add(new GroupMetrics.PromptMetrics(r.id(), r.n(), r.diversity(), r.diversity(), 10, 2, 0,
                    new Correlations.Coefficients(0.1, 0.1, 0.1, 0.1)));
        }
        PromptTable t = PromptTable.of(main);
        ReleaseData a = new ReleaseData(new ReleaseRef("m", "a"), 1, BASE.size(), 0, 0, 0, 0, false, t.pooled(), t, null);
        ReleaseData z = new ReleaseData(new ReleaseRef("m", "z"), 1, BASE.size(), 0, 0, 0, 0, false, t.pooled(), t, null);
        Bootstrap.Replicates mainReps = Bootstrap.run(a, z, Bootstrap.Design.PAIRED_PROMPTS, 200, 3, 4096, d -> { });
        SemanticRelease s = release("a", BASE);
        Bootstrap.Replicates semReps = Bootstrap.runPrompts(s.table(), s.table(), Bootstrap.Design.PAIRED_PROMPTS, SemanticMetric.COUNT, 200, 3, d -> { });
        assertArrayEquals(mainReps.baseline()[Metric.CE_STAR.ordinal()], semReps.baseline()[SemanticMetric.DIVERSITY.ordinal()]);
    }

    @Test
    void shouldLeaveTheRatioUndefinedUnlessBothCouplingsArePositive() {
        List<Row> negative = BASE.stream().map(r -> new Row(r.id(), r.n(), r.diversity(), r.vendi(), -Math.abs(Double.isNaN(r.rate()) ? 0.1 : r.rate()), r.length())).toList();
        SemanticComparison s = SemanticComparison.of(release("base", negative), release("tuned", TUNED), Bootstrap.Design.PAIRED_PROMPTS, 200, 1);
        assertTrue(s.result(SemanticMetric.ENTROPY_RATE).baseline() < 0);
        assertTrue(Double.isNaN(s.ratio().value()));
        assertTrue(Double.isNaN(s.ratio().ciLow()) && Double.isNaN(s.ratio().ciHigh()));
        assertTrue(Double.isFinite(s.result(SemanticMetric.ENTROPY_RATE).delta()), "the change is still reported");
        assertEquals(Double.NaN, SemanticComparison.ratio(0.0, 0.5));
        assertEquals(2.0, SemanticComparison.ratio(0.25, 0.5));
    }

    @Test
    void shouldNotResampleTrafficWithoutPromptIds() {
        List<Row> one = List.of(new Row("", 64, 0.3, 9.0, 0.2, 0.1));
        List<Row> two = List.of(new Row("", 64, 0.25, 7.0, 0.5, 0.2));
        SemanticComparison s = SemanticComparison.of(release("base", one), release("tuned", two), Bootstrap.Design.ROLLOUTS, 2000, 42);
        assertFalse(s.resampled());
        for (SemanticMetric m : SemanticMetric.values()) {
            Comparison.Result r = s.result(m);
            assertTrue(Double.isFinite(r.delta()), m.key());
            assertTrue(Double.isNaN(r.ciLow()) && Double.isNaN(r.ciHigh()), m.key());
            assertNull(r.significant(), m.key());
        }
        assertEquals(2.5, s.ratio().value(), 1e-12);
        assertTrue(Double.isNaN(s.ratio().ciLow()));
    }
}
