package dev.canopy.analysis.compare;

import dev.canopy.core.UserError;
import dev.canopy.core.assembly.CompletedRollout;
import dev.canopy.core.stats.Correlations;
import dev.canopy.core.stats.GroupMetrics;
import dev.canopy.testsupport.ReferenceResampler;
import org.apache.commons.math3.stat.descriptive.rank.Percentile;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static dev.canopy.testsupport.ReferenceStatistics.pearson;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bootstrap's statistics against independent computations: the exact bootstrap distribution of a
 * tiny data set by enumeration, and a straightforward re-implementation of the documented draws and of
 * METRICS.md's pooling, replicate by replicate.
 */
class BootstrapTest {

    /** One prompt's statistics: the inputs of every pooled metric. */
    private record Row(String id, long n, double ce, double upper, double length, double rate, double truncation,
                       double pearson, double spearman, double kendall, double covariance) {
        GroupMetrics.PromptMetrics metrics() {
            return new GroupMetrics.PromptMetrics(id, n, ce, upper, length, rate, truncation,
                    new Correlations.Coefficients(pearson, spearman, kendall, covariance));
        }
    }

    // hand-made: one prompt with n = 3 (no Fisher weight), one with undefined coefficients (constant rate)
    private static final List<Row> BASE = List.of(
            new Row("p-1", 12, 40.0, 44.0, 20.0, 2.1, 0.0, -0.35, -0.30, -0.20, -3.0),
            new Row("p-2", 30, 55.5, 60.0, 26.0, 2.2, 0.1, -0.10, -0.05, -0.04, -1.1),
            new Row("p-3", 3, 33.0, 35.0, 15.0, 2.3, 0.0, 0.50, 0.50, 0.33, 2.0),
            new Row("p-4", 8, 61.0, 70.0, 30.0, 2.0, 0.0, Double.NaN, Double.NaN, Double.NaN, 0.0),
            new Row("p-5", 20, 47.0, 50.0, 22.0, 2.1, 0.05, -0.22, -0.18, -0.12, -2.5));
    private static final List<Row> TUNED = List.of(
            new Row("p-1", 12, 44.0, 47.0, 19.0, 2.4, 0.0, 0.30, 0.25, 0.18, 3.5),
            new Row("p-2", 30, 62.0, 66.0, 27.0, 2.3, 0.0, 0.45, 0.40, 0.29, 4.0),
            new Row("p-3", 3, 30.0, 31.0, 14.0, 2.2, 0.0, -0.50, -0.50, -0.33, -1.0),
            new Row("p-4", 8, 66.0, 71.0, 28.0, 2.4, 0.125, 0.10, 0.12, 0.07, 0.8),
            new Row("p-5", 20, 50.0, 52.0, 21.0, 2.4, 0.0, 0.20, 0.15, 0.10, 1.9));

    private static ReleaseData release(String release, List<Row> rows) {
        PromptTable t = PromptTable.of(rows.stream().map(Row::metrics).toList());
        long rollouts = rows.stream().mapToLong(Row::n).sum();
        return new ReleaseData(new ReleaseRef("m", release), rollouts, rows.size(), 0, 0, 0, 0, false, t.pooled(), t, null);
    }

    private static List<Row> renamed(List<Row> rows, String prefix) {
        return rows.stream().map(r -> new Row(prefix + r.id(), r.n(), r.ce(), r.upper(), r.length(), r.rate(), r.truncation(),
                r.pearson(), r.spearman(), r.kendall(), r.covariance())).toList();
    }

    // ---- an independent implementation of METRICS.md's pooling, written from the text ----

    private static double atanhClipped(double rho) {
        return IndependentPooling.atanhClipped(rho);
    }

    private static double fisher(List<Row> rows, boolean spearman) {
        return IndependentPooling.fisher(rows.stream().mapToDouble(r -> spearman ? r.spearman() : r.pearson()).toArray(),
                rows.stream().mapToLong(Row::n).toArray());
    }

    private static double weighted(List<Row> rows, boolean kendall) {
        double num = 0;
        double den = 0;
        double plain = 0;
        int finite = 0;
        for (Row r : rows) {
            double v = kendall ? r.kendall() : r.covariance();
            if (Double.isNaN(v)) {
                continue;
            }
            double w = kendall ? r.n() * (r.n() - 1) / 2.0 : r.n() - 1;
            num += w * v;
            den += w;
            plain += v;
            finite++;
        }
        return den > 0 ? num / den : finite > 0 ? plain / finite : Double.NaN;
    }

    /** Every metric of a list of prompt rows (repeats counted), by METRICS.md. */
    private static double[] reference(List<Row> rows) {
        double[] v = new double[Metric.COUNT];
        double k = rows.size();
        double ce = rows.stream().mapToDouble(Row::ce).sum() / k;
        double length = rows.stream().mapToDouble(Row::length).sum() / k;
        double rate = rows.stream().mapToDouble(Row::rate).sum() / k;
        v[Metric.CE_STAR.ordinal()] = ce;
        v[Metric.CE_STAR_UPPER.ordinal()] = rows.stream().mapToDouble(Row::upper).sum() / k;
        v[Metric.MEAN_LENGTH.ordinal()] = length;
        v[Metric.MEAN_ENTROPY_RATE.ordinal()] = rate;
        v[Metric.TRUNCATION_RATE.ordinal()] = rows.stream().mapToDouble(Row::truncation).sum() / k;
        v[Metric.GEN_PPL.ordinal()] = Math.exp(ce / length);
        v[Metric.BRANCHING_FACTOR.ordinal()] = Math.exp(rate);
        v[Metric.PEARSON.ordinal()] = fisher(rows, false);
        v[Metric.SPEARMAN.ordinal()] = fisher(rows, true);
        v[Metric.KENDALL.ordinal()] = weighted(rows, true);
        v[Metric.COVARIANCE.ordinal()] = weighted(rows, false);
        v[Metric.LENGTH_DRIVEN.ordinal()] = length * rate;
        v[Metric.COUPLING.ordinal()] = ce - length * rate;
        return v;
    }

    private static double percentile(double[] values, double p) {
        return new Percentile().withEstimationType(Percentile.EstimationType.R_7).evaluate(values, p);
    }

    private static void assertClose(double expected, double actual, String what) {
        if (Double.isNaN(expected)) {
            assertTrue(Double.isNaN(actual), what + ": expected undefined, got " + actual);
        } else {
            assertEquals(expected, actual, 1e-12 * Math.max(1, Math.abs(expected)), what);
        }
    }

    // ---- tests ----

    @Test
    void shouldPoolTheWholeTableAsTheIndependentFormulas() {
        double[] pooled = release("r", BASE).point();
        double[] expected = reference(BASE);
        for (Metric m : Metric.values()) {
            assertClose(expected[m.ordinal()], pooled[m.ordinal()], m.key());
        }
    }

    @Test
    void shouldEqualAStraightforwardComputationReplicateByReplicate() {
        ReleaseData b = release("base", BASE);
        ReleaseData c = release("tuned", TUNED);
        int count = 500;
        long seed = 99;
        Bootstrap.Replicates reps = Bootstrap.run(b, c, Bootstrap.Design.PAIRED_PROMPTS, count, seed, 4096, done -> { });

        // the documented draws: replicate i uses new SplittableRandom(s_i), s_i the i-th nextLong() of the seed's
        // generator, and draws P positions of the (here identical) prompt list
        ReferenceResampler draws = new ReferenceResampler(seed);
        double[][] deltas = new double[Metric.COUNT][count];
        for (int i = 0; i < count; i++) {
            List<List<Row>> drawn = ReferenceResampler.drawPaired(draws.nextReplicate(), BASE, TUNED);
            double[] eb = reference(drawn.get(0));
            double[] ec = reference(drawn.get(1));
            for (Metric m : Metric.values()) {
                assertClose(eb[m.ordinal()], reps.baseline()[m.ordinal()][i], "baseline " + m.key() + " replicate " + i);
                assertClose(ec[m.ordinal()], reps.candidate()[m.ordinal()][i], "candidate " + m.key() + " replicate " + i);
                deltas[m.ordinal()][i] = ec[m.ordinal()] - eb[m.ordinal()];
            }
        }
        Comparison.Result[] rows = percentileRows(b, c, reps);
        for (Metric m : Metric.values()) {
            Comparison.Result r = rows[m.ordinal()];
            assertClose(percentile(deltas[m.ordinal()], 2.5), r.ciLow(), m.key() + " ci_low");
            assertClose(percentile(deltas[m.ordinal()], 97.5), r.ciHigh(), m.key() + " ci_high");
            assertClose(reference(TUNED)[m.ordinal()] - reference(BASE)[m.ordinal()], r.delta(), m.key() + " delta");
        }
    }

    @Test
    void shouldMatchTheExactBootstrapDistributionOfATinyPairedDataset() {
        // all 5^5 equally likely draws of five prompt positions: the exact bootstrap distribution of each delta
        int p = BASE.size();
        int atoms = (int) Math.pow(p, p);
        Metric[] checked = {Metric.CE_STAR, Metric.MEAN_ENTROPY_RATE, Metric.PEARSON, Metric.KENDALL, Metric.COVARIANCE, Metric.COUPLING};
        double[][] exact = new double[checked.length][atoms];
        for (int a = 0; a < atoms; a++) {
            List<Row> bd = new ArrayList<>();
            List<Row> td = new ArrayList<>();
            for (int k = 0, code = a; k < p; k++, code /= p) {
                bd.add(BASE.get(code % p));
                td.add(TUNED.get(code % p));
            }
            double[] eb = reference(bd);
            double[] et = reference(td);
            for (int m = 0; m < checked.length; m++) {
                exact[m][a] = et[checked[m].ordinal()] - eb[checked[m].ordinal()];
            }
        }
        Comparison.Result[] rows = percentileRows(release("base", BASE), release("tuned", TUNED),
                Bootstrap.run(release("base", BASE), release("tuned", TUNED), Bootstrap.Design.PAIRED_PROMPTS, 20_000, 5, 4096, d -> { }));
        for (int m = 0; m < checked.length; m++) {
            double[] sorted = exact[m].clone();
            Arrays.sort(sorted);
            Comparison.Result r = rows[checked[m].ordinal()];
            // 20,000 replicates put the 2.5% quantile within about 0.1% of probability of the exact one:
            // it must lie between the exact 2% and 3% quantiles (and likewise 97% to 98%)
            // (1e-12: the same multiset of prompts sums in another order in a replicate than in the enumeration)
            String what = checked[m].key();
            double eps = 1e-12;
            assertTrue(r.ciLow() >= quantileOfAtoms(sorted, 0.02) - eps && r.ciLow() <= quantileOfAtoms(sorted, 0.03) + eps,
                    what + " ci_low " + r.ciLow() + " outside [" + quantileOfAtoms(sorted, 0.02) + ", " + quantileOfAtoms(sorted, 0.03) + "]");
            assertTrue(r.ciHigh() >= quantileOfAtoms(sorted, 0.97) - eps && r.ciHigh() <= quantileOfAtoms(sorted, 0.98) + eps,
                    what + " ci_high " + r.ciHigh() + " outside [" + quantileOfAtoms(sorted, 0.97) + ", " + quantileOfAtoms(sorted, 0.98) + "]");
        }
    }

    /** The percentile-bootstrap rows of the replicates (what compare reports for the rollout design). */
    private static Comparison.Result[] percentileRows(ReleaseData b, ReleaseData c, Bootstrap.Replicates reps) {
        boolean[] signed = new boolean[Metric.COUNT];
        for (Metric m : Metric.values()) {
            signed[m.ordinal()] = m.signed();
        }
        return Comparison.bootstrapRows(b.point(), c.point(), signed, reps.baseline(), reps.candidate());
    }

    /** The smallest atom whose cumulative probability reaches q (atoms equally likely). */
    private static double quantileOfAtoms(double[] sorted, double q) {
        return sorted[(int) Math.ceil(q * sorted.length) - 1];
    }

    @Test
    void shouldResampleEachReleaseIndependentlyWithoutSharedPrompts() {
        ReleaseData b = release("base", BASE);
        ReleaseData c = release("tuned", renamed(TUNED, "other-"));
        assertEquals(Bootstrap.Design.UNPAIRED_PROMPTS, Bootstrap.choose(b, c));
        Bootstrap.Replicates reps = Bootstrap.run(b, c, Bootstrap.Design.UNPAIRED_PROMPTS, 200, 3, 4096, d -> { });
        ReferenceResampler draws = new ReferenceResampler(3);
        for (int i = 0; i < 200; i++) {
            SplittableRandom rng = draws.nextReplicate();
            List<Row> bd = ReferenceResampler.draw(rng, BASE);
            List<Row> td = ReferenceResampler.draw(rng, TUNED);
            assertClose(reference(bd)[Metric.PEARSON.ordinal()], reps.baseline()[Metric.PEARSON.ordinal()][i], "baseline " + i);
            assertClose(reference(td)[Metric.CE_STAR.ordinal()], reps.candidate()[Metric.CE_STAR.ordinal()][i], "candidate " + i);
        }
    }

    @Test
    void shouldChooseTheDesignFromThePromptIds() {
        ReleaseData b = release("base", BASE);
        assertEquals(Bootstrap.Design.PAIRED_PROMPTS, Bootstrap.choose(b, release("tuned", TUNED)));
        assertEquals(Bootstrap.Design.PAIRED_PROMPTS, Bootstrap.choose(b, release("tuned", TUNED.subList(0, 2))), "some ids shared");
        assertEquals(Bootstrap.Design.UNPAIRED_PROMPTS, Bootstrap.choose(b, release("tuned", renamed(TUNED, "x-"))));
        ReleaseData trafficA = release("a", renamed(BASE.subList(0, 1), "").stream()
                .map(r -> new Row("", r.n(), r.ce(), r.upper(), r.length(), r.rate(), r.truncation(), r.pearson(), r.spearman(), r.kendall(), r.covariance())).toList());
        ReleaseData trafficB = release("b", List.of(new Row("", 10, 1, 1, 1, 1, 0, 0.1, 0.1, 0.1, 0.1)));
        assertEquals(Bootstrap.Design.ROLLOUTS, Bootstrap.choose(trafficA, trafficB));
        UserError e = assertThrows(UserError.class, () -> Bootstrap.choose(trafficA, b));
        assertTrue(e.getMessage().contains("--baseline m@a has no prompt ids"), e.getMessage());
        assertTrue(Bootstrap.Design.PAIRED_PROMPTS.paired());
        assertFalse(Bootstrap.Design.UNPAIRED_PROMPTS.paired());
        assertEquals("rollout", Bootstrap.Design.ROLLOUTS.mode());
    }

    @Test
    void shouldPoolPromptsOnlyOneReleaseHasIntoThatReleaseAlone() {
        // the candidate lacks p-4 and p-5: a paired replicate draws from the union and pools each side over its own
        ReleaseData b = release("base", BASE);
        List<Row> partial = TUNED.subList(0, 3);
        ReleaseData c = release("tuned", partial);
        Bootstrap.Replicates reps = Bootstrap.run(b, c, Bootstrap.Design.PAIRED_PROMPTS, 300, 8, 4096, d -> { });
        ReferenceResampler draws = new ReferenceResampler(8);
        for (int i = 0; i < 300; i++) {
            SplittableRandom rng = draws.nextReplicate();
            List<Row> bd = new ArrayList<>();
            List<Row> td = new ArrayList<>();
            for (int k = 0; k < BASE.size(); k++) {
                int pick = rng.nextInt(BASE.size());
                bd.add(BASE.get(pick));
                if (pick < partial.size()) {
                    td.add(partial.get(pick));
                }
            }
            assertClose(reference(bd)[Metric.CE_STAR.ordinal()], reps.baseline()[Metric.CE_STAR.ordinal()][i], "baseline " + i);
            double expected = td.isEmpty() ? Double.NaN : reference(td)[Metric.CE_STAR.ordinal()];
            assertClose(expected, reps.candidate()[Metric.CE_STAR.ordinal()][i], "candidate " + i);
        }
    }

    @Test
    void shouldGiveANarrowerIntervalWhenPairingRemovesPromptDifficulty() {
        // prompts differ a lot in CE* and the candidate adds about one nat to each: pairing cancels the
        // prompt-to-prompt spread, an unpaired bootstrap cannot
        List<Row> b = new ArrayList<>();
        List<Row> t = new ArrayList<>();
        SplittableRandom rng = new SplittableRandom(1);
        for (int i = 0; i < 40; i++) {
            double ce = 20 + 80 * rng.nextDouble();
            b.add(new Row("p-" + i, 20, ce, ce, 20, ce / 20, 0, 0.1, 0.1, 0.1, 0.1));
            double ce2 = ce + 1 + 0.3 * rng.nextGaussian();
            t.add(new Row("p-" + i, 20, ce2, ce2, 20, ce2 / 20, 0, 0.1, 0.1, 0.1, 0.1));
        }
        ReleaseData base = release("base", b);
        ReleaseData paired = release("tuned", t);
        ReleaseData unpaired = release("tuned", renamed(t, "u-"));
        Comparison.Result p = Comparison.of(base, paired, Bootstrap.run(base, paired, Bootstrap.choose(base, paired), 2000, 1, 4096, d -> { }), "")
                .result(Metric.CE_STAR);
        Comparison.Result u = Comparison.of(base, unpaired, Bootstrap.run(base, unpaired, Bootstrap.choose(base, unpaired), 2000, 1, 4096, d -> { }), "")
                .result(Metric.CE_STAR);
        assertEquals(p.delta(), u.delta(), 1e-12);
        assertTrue(p.significant() && p.ciLow() > 0.8 && p.ciHigh() < 1.2, p.toString());
        assertFalse(u.significant(), "unpaired, one nat is lost in the spread between prompts: " + u);
        assertTrue(u.ciHigh() - u.ciLow() > 20 * (p.ciHigh() - p.ciLow()));
    }

    @Test
    void shouldGiveTheSameReplicatesForTheSameSeedWhateverTheThreads() {
        ReleaseData b = release("base", BASE);
        ReleaseData c = release("tuned", TUNED);
        Bootstrap.Replicates one = Bootstrap.run(b, c, Bootstrap.Design.PAIRED_PROMPTS, 3000, 17, 4096, d -> { });
        Bootstrap.Replicates two = Bootstrap.run(b, c, Bootstrap.Design.PAIRED_PROMPTS, 3000, 17, 4096, d -> { });
        Bootstrap.Replicates other = Bootstrap.run(b, c, Bootstrap.Design.PAIRED_PROMPTS, 3000, 18, 4096, d -> { });
        for (int m = 0; m < Metric.COUNT; m++) {
            assertArrayEquals(one.baseline()[m], two.baseline()[m]);
            assertArrayEquals(one.candidate()[m], two.candidate()[m]);
        }
        assertFalse(Arrays.equals(one.baseline()[Metric.CE_STAR.ordinal()], other.baseline()[Metric.CE_STAR.ordinal()]));
    }

    @Test
    void shouldResampleRolloutsAsAStraightforwardComputation() {
        RolloutTable b = new RolloutTable();
        RolloutTable t = new RolloutTable();
        SplittableRandom rng = new SplittableRandom(4);
        List<double[]> bRows = new ArrayList<>();
        List<double[]> tRows = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            for (RolloutTable table : new RolloutTable[] {b, t}) {
                int n = 1 + rng.nextInt(60);
                double h = n * (1.5 + (table == t ? 0.01 * n : -0.005 * n) + 0.3 * rng.nextDouble());
                String finish = n == 60 ? "length" : "stop";
                table.add(new CompletedRollout("m", "r", "id" + i, "", n, h, h + 1, finish, n, 0, 0, 0, false));
                (table == b ? bRows : tRows).add(new double[] {n, h, h + 1, n == 60 ? 1 : 0});
            }
        }
        ReleaseData base = new ReleaseData(new ReleaseRef("m", "b"), 40, 1, 0, 0, 0, 0, false, b.pooled(4096), null, b);
        ReleaseData tuned = new ReleaseData(new ReleaseRef("m", "t"), 40, 1, 0, 0, 0, 0, false, t.pooled(4096), null, t);
        Bootstrap.Replicates reps = Bootstrap.run(base, tuned, Bootstrap.Design.ROLLOUTS, 200, 21, 4096, d -> { });
        ReferenceResampler draws = new ReferenceResampler(21);
        for (int i = 0; i < 200; i++) {
            SplittableRandom r = draws.nextReplicate();
            for (int side = 0; side < 2; side++) {
                List<double[]> draw = ReferenceResampler.draw(r, side == 0 ? bRows : tRows);
                double[][] got = side == 0 ? reps.baseline() : reps.candidate();
                double[] x = draw.stream().mapToDouble(d -> d[0]).toArray();
                double[] y = draw.stream().mapToDouble(d -> d[1] / d[0]).toArray();
                assertClose(draw.stream().mapToDouble(d -> d[1]).average().orElseThrow(), got[Metric.CE_STAR.ordinal()][i], "ce " + i);
                assertClose(draw.stream().mapToDouble(d -> d[3]).average().orElseThrow(), got[Metric.TRUNCATION_RATE.ordinal()][i], "trunc " + i);
                assertClose(Math.tanh(atanhClipped(pearson(x, y))), got[Metric.PEARSON.ordinal()][i], "pearson " + i);
                assertClose(Math.tanh(atanhClipped(pearson(ranks(x), ranks(y)))), got[Metric.SPEARMAN.ordinal()][i], "spearman " + i);
                assertClose(kendallTauB(x, y), got[Metric.KENDALL.ordinal()][i], "kendall " + i);
            }
        }
    }

    @Test
    void shouldRankOnlyTheFirstDrawsBeyondThePairCapacity() {
        RolloutTable table = new RolloutTable();
        SplittableRandom rng = new SplittableRandom(2);
        for (int i = 0; i < 50; i++) {
            int n = 1 + rng.nextInt(40);
            table.add(new CompletedRollout("m", "r", "id" + i, "", n, n * (1 + rng.nextDouble()), 0, "stop", n, 0, 0, 0, false));
        }
        int[] rows = new int[50];
        for (int i = 0; i < 50; i++) {
            rows[i] = (i * 7) % 50;
        }
        double[] capped = table.pooled(rows, 50, 20);
        double[] full = table.pooled(rows, 50, 4096);
        double[] first20 = table.pooled(rows, 20, 4096);
        assertClose(full[Metric.PEARSON.ordinal()], capped[Metric.PEARSON.ordinal()], "pearson stays exact");
        assertClose(full[Metric.COVARIANCE.ordinal()], capped[Metric.COVARIANCE.ordinal()], "covariance stays exact");
        assertClose(first20[Metric.SPEARMAN.ordinal()], capped[Metric.SPEARMAN.ordinal()], "spearman on the first 20");
        assertClose(first20[Metric.KENDALL.ordinal()], capped[Metric.KENDALL.ordinal()], "kendall on the first 20");
    }

    /** Mid-ranks by counting. */
    private static double[] ranks(double[] v) {
        double[] r = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            int less = 0;
            int equal = 0;
            for (double w : v) {
                if (w < v[i]) {
                    less++;
                } else if (w == v[i]) {
                    equal++;
                }
            }
            r[i] = less + (equal + 1) / 2.0;
        }
        return r;
    }

    /** Kendall tau-b over all pairs. */
    private static double kendallTauB(double[] x, double[] y) {
        double concordant = 0;
        double discordant = 0;
        double tiesX = 0;
        double tiesY = 0;
        for (int i = 0; i < x.length; i++) {
            for (int j = i + 1; j < x.length; j++) {
                double dx = Math.signum(x[i] - x[j]);
                double dy = Math.signum(y[i] - y[j]);
                if (dx == 0 && dy == 0) {
                    continue;
                } else if (dx == 0) {
                    tiesX++;
                } else if (dy == 0) {
                    tiesY++;
                } else if (dx == dy) {
                    concordant++;
                } else {
                    discordant++;
                }
            }
        }
        return (concordant - discordant) / Math.sqrt((concordant + discordant + tiesX) * (concordant + discordant + tiesY));
    }
}
