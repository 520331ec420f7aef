package dev.canopy.analysis.compare;

import java.util.stream.IntStream;

/**
 * The prompt jackknife behind {@code canopy compare}'s intervals for prompt designs: the standard error of
 * every pooled metric's change, with prompts as the unit, and the degrees of freedom of its t interval.
 *
 * <p>Leave-one-out: for each prompt k the metrics are re-pooled without k (through the tables' own
 * {@link Bootstrap.PromptRows#pooled}, so every metric, ratios and Fisher-z pools included, is handled by
 * the arithmetic that computes it), and the variance is {@code (G - 1)/G * sum_k (theta_(k) - mean)^2}.
 * <ul>
 *   <li>Paired ({@link Bootstrap.Design#PAIRED_PROMPTS}): the unit is a prompt id of the union of both
 *       releases' ids; leaving it out removes it from both releases, and theta is the change. df = G - 1.</li>
 *   <li>Unpaired: each release is jackknifed over its own prompts; the change's variance is the sum and its
 *       df the Welch-Satterthwaite value {@code (v_b + v_c)^2 / (v_b^2/(G_b - 1) + v_c^2/(G_c - 1))}.</li>
 * </ul>
 * Beyond {@link #MAX_GROUPS} prompts, the prompts are dealt by position into that many groups and a group at
 * a time is left out (the delete-a-group jackknife), so the cost stays O(groups x prompts). A metric with
 * any leave-one-out value undefined gets an undefined (NaN) standard error. Deterministic: no random draws.
 */
final class Jackknife {

    /** Most leave-out groups: beyond this many prompts, prompts are grouped. */
    static final int MAX_GROUPS = 200;

    /**
     * Per metric, the standard error of the change (or of one release's value) and its degrees of freedom;
     * NaN where undefined.
     */
    record Estimate(double[] se, double[] df) {
    }

    private Jackknife() {
    }

    /** The change's standard errors for a prompt design. */
    static Estimate delta(Bootstrap.PromptRows baseline, Bootstrap.PromptRows candidate, Bootstrap.Design design, int metrics) {
        if (design == Bootstrap.Design.PAIRED_PROMPTS) {
            return paired(baseline, candidate, metrics);
        }
        if (design != Bootstrap.Design.UNPAIRED_PROMPTS) {
            throw new IllegalArgumentException("the prompt jackknife needs a prompt design, got " + design);
        }
        return welch(single(baseline, metrics), single(candidate, metrics));
    }

    /** One release's standard errors, over its own prompts. */
    static Estimate single(Bootstrap.PromptRows table, int metrics) {
        int[][] units = new int[table.size()][];
        for (int i = 0; i < units.length; i++) {
            units[i] = new int[] {i};
        }
        int[][] groups = group(units.length);
        double[][] leftOut = new double[groups.length][];
        IntStream.range(0, groups.length).parallel().forEach(g -> {
            int[] rows = keep(units, 0, groups[g], table.size());
            leftOut[g] = table.pooled(rows, rows.length);
        });
        return estimate(leftOut, metrics);
    }

    /** Two independent estimates' sum of variances with the Welch-Satterthwaite df. */
    static Estimate welch(Estimate b, Estimate c) {
        int metrics = b.se().length;
        double[] se = new double[metrics];
        double[] df = new double[metrics];
        for (int m = 0; m < metrics; m++) {
            double vb = b.se()[m] * b.se()[m];
            double vc = c.se()[m] * c.se()[m];
            se[m] = Math.sqrt(vb + vc);
            double denominator = (vb == 0 ? 0 : vb * vb / b.df()[m]) + (vc == 0 ? 0 : vc * vc / c.df()[m]);
            df[m] = denominator > 0 ? (vb + vc) * (vb + vc) / denominator : Math.min(b.df()[m], c.df()[m]);
        }
        return new Estimate(se, df);
    }

    private static Estimate paired(Bootstrap.PromptRows b, Bootstrap.PromptRows c, int metrics) {
        int[][] units = Bootstrap.pairedRows(b, c);
        int[][] groups = group(units.length);
        double[][] leftOut = new double[groups.length][];
        IntStream.range(0, groups.length).parallel().forEach(g -> {
            int[] bRows = keep(units, 0, groups[g], b.size());
            int[] cRows = keep(units, 1, groups[g], c.size());
            double[] vb = b.pooled(bRows, bRows.length);
            double[] vc = c.pooled(cRows, cRows.length);
            double[] d = new double[metrics];
            for (int m = 0; m < metrics; m++) {
                d[m] = vc[m] - vb[m];
            }
            leftOut[g] = d;
        });
        return estimate(leftOut, metrics);
    }

    /** Units dealt by position into min(units, MAX_GROUPS) groups: groups[g] lists unit indices. */
    static int[][] group(int units) {
        int count = Math.min(units, MAX_GROUPS);
        int[][] groups = new int[count][];
        for (int g = 0; g < count; g++) {
            int size = units / count + (g < units % count ? 1 : 0);
            groups[g] = new int[size];
            for (int k = 0; k < size; k++) {
                groups[g][k] = g + k * count;
            }
        }
        return groups;
    }

    /** The rows of one side (0 baseline, 1 candidate) of every unit outside {@code leave}, in unit order. */
    private static int[] keep(int[][] units, int side, int[] leave, int tableSize) {
        boolean[] out = new boolean[units.length];
        for (int u : leave) {
            out[u] = true;
        }
        int[] rows = new int[tableSize];
        int n = 0;
        for (int u = 0; u < units.length; u++) {
            if (!out[u] && units[u][side] >= 0) {
                rows[n++] = units[u][side];
            }
        }
        return java.util.Arrays.copyOf(rows, n);
    }

    private static Estimate estimate(double[][] leftOut, int metrics) {
        int g = leftOut.length;
        double[] se = new double[metrics];
        double[] df = new double[metrics];
        for (int m = 0; m < metrics; m++) {
            if (g < 2) {
                se[m] = Double.NaN;
                df[m] = Double.NaN;
                continue;
            }
            double mean = 0;
            boolean defined = true;
            for (double[] v : leftOut) {
                defined &= Double.isFinite(v[m]);
                mean += v[m];
            }
            if (!defined) {
                se[m] = Double.NaN;
                df[m] = Double.NaN;
                continue;
            }
            mean /= g;
            double ss = 0;
            for (double[] v : leftOut) {
                double e = v[m] - mean;
                ss += e * e;
            }
            se[m] = Math.sqrt((g - 1.0) / g * ss);
            df[m] = g - 1;
        }
        return new Estimate(se, df);
    }
}
