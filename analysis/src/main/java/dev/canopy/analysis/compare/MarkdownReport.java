package dev.canopy.analysis.compare;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Writes report.md: what was compared and how, the metric table with intervals, a paragraph that reads
 * the headline numbers, the figures, and the caveats that apply (estimator mix, sampled prompts, a live
 * monitor as input).
 */
final class MarkdownReport {

    /** A figure written next to the report. */
    record Figure(String file, String title, String caption) {
    }

    /** Estimator shares that differ by more than this (absolute) between releases are called out. */
    private static final double MIX_DIFFERENCE = 0.01;

    private MarkdownReport() {
    }

    static String render(Comparison c, List<Figure> figures, List<String> notes) {
        ReleaseData b = c.baseline();
        ReleaseData k = c.candidate();
        Bootstrap.Replicates reps = c.replicates();
        StringBuilder md = new StringBuilder();
        md.append("# Release comparison: ").append(b.ref()).append(" → ").append(k.ref()).append("\n\n");
        md.append("Did the candidate change how the model spends its uncertainty, and is the change larger than the noise of ")
                .append(unitNoun(reps.design())).append("? Baseline `").append(b.ref()).append("`, candidate `").append(k.ref())
                .append("`, from ").append(c.source()).append(".\n\n");

        md.append("| | baseline | candidate |\n|---|---:|---:|\n");
        md.append("| release | `").append(b.ref().release()).append("` | `").append(k.ref().release()).append("` |\n");
        md.append("| prompts | ").append(prompts(b)).append(" | ").append(prompts(k)).append(" |\n");
        md.append("| rollouts | ").append(count(b.rolloutCount())).append(" | ").append(count(k.rolloutCount())).append(" |\n");
        md.append("| tokens | ").append(count(b.tokens())).append(" | ").append(count(k.tokens())).append(" |\n");
        md.append("| steps exact / top-k / surprisal | ").append(mix(b)).append(" | ").append(mix(k)).append(" |\n\n");

        if (reps.design() == Bootstrap.Design.ROLLOUTS) {
            md.append("**Bootstrap:** ").append(design(c)).append(", ").append(count(reps.count())).append(" replicates, seed ")
                    .append(reps.seed()).append(". Every pooled metric is recomputed for both releases in each replicate; ")
                    .append("intervals are 95% percentile intervals of the replicate deltas (candidate − baseline).");
        } else {
            md.append("**Intervals:** ").append(design(c)).append("; 95% t intervals from the prompt jackknife: every pooled metric")
                    .append(" is recomputed with one prompt left out at a time, and the spread of those values gives the standard error")
                    .append(" of the change (candidate − baseline), with the number of prompts less one as degrees of freedom.")
                    .append(" (Simulation showed percentile bootstrap intervals too narrow with few prompts; see docs/compare.md.)");
        }
        md.append(" **significant** means flagged after controlling the false discovery rate at 5% over the ")
                .append(Metric.COUNT).append(" metrics (Benjamini-Hochberg on the rows' p-values): when nothing changed, the")
                .append(" chance of any flag in the table is about 5%. A row whose interval excludes 0 but is not flagged is marked")
                .append(" (unadjusted).\n\n");

        md.append("## Metrics\n\n");
        md.append("| metric | baseline | candidate | Δ | 95% interval of Δ | Δ % | |\n|---|---:|---:|---:|:---:|---:|---|\n");
        for (Metric m : Metric.values()) {
            row(md, m.label(), m.key(), c.result(m));
        }
        md.append('\n');

        md.append("## Reading\n\n").append(reading(c)).append("\n\n");

        if (c.semantic() != null) {
            semantic(md, c.semantic());
        }

        if (!figures.isEmpty()) {
            md.append("## Figures\n\n");
            for (Figure f : figures) {
                md.append("**").append(f.title()).append("** ").append(f.caption()).append("\n\n");
                md.append("![").append(f.title()).append("](").append(f.file()).append(")\n\n");
            }
        }

        List<String> caveats = new ArrayList<>(notes);
        String estimators = estimatorCaveat(b, k);
        if (estimators != null) {
            caveats.add(estimators);
        }
        if (b.sampled() || k.sampled()) {
            caveats.add("**Sampled statistics.** " + (b.sampled() && k.sampled() ? "Both releases" : b.sampled() ? "The baseline" : "The candidate")
                    + " exceeded a memory bound (`--max-prompts` or `--pair-capacity`), so some pooled metrics are estimates over a uniform"
                    + " sample of prompts or of (N, r) pairs (the report's `\"sampled\": true`); the intervals do not include that sampling error.");
        }
        if (c.semantic() != null) {
            caveats.add(semanticCaveat(c.semantic()));
        }
        caveats.add("**Many metrics.** The table tests " + Metric.COUNT + " metrics, several of them near-duplicates; the flags control the"
                + " false discovery rate over all of them, so a row marked (unadjusted) is a lead, not a finding. Read rho(N, r) and CE*"
                + " first and look for agreement between related rows (Pearson, Spearman and Kendall; CE*, L and R).");
        md.append("## Caveats\n\n");
        for (String caveat : caveats) {
            md.append("- ").append(caveat).append('\n');
        }
        return md.toString();
    }

    private static void row(StringBuilder md, String label, String key, Comparison.Result r) {
        md.append("| ").append(label).append(" <br>`").append(key).append("` | ").append(num(r.baseline())).append(" | ")
                .append(num(r.candidate())).append(" | ").append(signed(r.delta())).append(" | ")
                .append(interval(r.ciLow(), r.ciHigh())).append(" | ")
                .append(Double.isFinite(r.percentDelta()) ? String.format(Locale.ROOT, "%+.1f%%", r.percentDelta()).replace('-', '−') : "—")
                .append(" | ").append(r.significant() == null ? "n/a" : r.significant() ? "**significant**" : r.excludesZero() ? "(unadjusted)" : "")
                .append(" |\n");
    }

    /** The semantic-diversity section: what was measured, its table and a reading of the entropy-rate coupling. */
    private static void semantic(StringBuilder md, SemanticComparison s) {
        SemanticRelease b = s.baseline();
        SemanticRelease k = s.candidate();
        md.append("## Semantic diversity\n\n");
        md.append("Each rollout's text is embedded and its diversity d = 1 − mean cosine similarity to the other rollouts of its prompt;")
                .append(" a prompt's semantic diversity is the mean d and its Vendi score the effective number of distinct answers.")
                .append(" corr(d, r) and corr(d, N) are Pearson correlations within each prompt, pooled over prompts by Fisher z with")
                .append(" weights n − 3. Prompts with at least two embedded rollouts: ").append(count(b.prompts())).append(" / ")
                .append(count(k.prompts())).append(" (baseline / candidate), from ").append(count(b.used())).append(" / ")
                .append(count(k.used())).append(" embedded rollouts.\n\n");
        md.append("**Intervals:** ");
        if (s.resampled()) {
            md.append(s.design().paired()
                    ? "paired by prompt id (" + Bootstrap.sharedPrompts(b.table(), k.table()) + " prompt ids shared)"
                    : "unpaired (no prompt id shared)")
                    .append("; prompt-jackknife t intervals and flags at a 5% false discovery rate over these four metrics, as above;")
                    .append(" the ratio's interval is a percentile bootstrap (").append(count(s.replicates()))
                    .append(" replicates with the seed above). Leaving out or redrawing a prompt re-pools the fixed per-prompt values;")
                    .append(" d, Vendi and the correlations within a prompt are not recomputed.\n\n");
        } else {
            md.append("none: production traffic without prompt ids is a single group, whose values are fixed, so there are no intervals.\n\n");
        }
        md.append("| metric | baseline | candidate | Δ | 95% interval of Δ | Δ % | |\n|---|---:|---:|---:|:---:|---:|---|\n");
        for (SemanticMetric m : SemanticMetric.values()) {
            row(md, m.label(), m.key(), s.result(m));
        }
        md.append('\n').append(semanticReading(s)).append("\n\n");
    }

    /** The coupling of entropy rate and semantic diversity, its change and the ratio. */
    static String semanticReading(SemanticComparison s) {
        Comparison.Result r = s.result(SemanticMetric.ENTROPY_RATE);
        StringBuilder t = new StringBuilder();
        if (!Double.isFinite(r.delta())) {
            return "The coupling corr(d, r) of entropy rate and semantic diversity cannot be compared: it is undefined for a release"
                    + " (too few embedded rollouts per prompt, or constant values).";
        }
        t.append("The coupling corr(d, r) of entropy rate and semantic diversity went from ").append(num(r.baseline())).append(" to ")
                .append(num(r.candidate())).append(", a change of ").append(signed(r.delta())).append(' ').append(interval(r.ciLow(), r.ciHigh()));
        if (r.significant() != null) {
            t.append(r.significant() ? " (significant)" : " (" + noise(r) + ")");
        }
        t.append('.');
        SemanticComparison.Ratio ratio = s.ratio();
        if (Double.isFinite(ratio.value())) {
            t.append(" The candidate's coupling is ").append(num(ratio.value())).append(" times the baseline's");
            if (Double.isFinite(ratio.ciLow())) {
                t.append(" [").append(num(ratio.ciLow())).append(", ").append(num(ratio.ciHigh())).append(']');
            } else if (s.resampled()) {
                t.append(" (no interval: in over 1% of replicates a coupling was at or below 0)");
            }
            t.append("; the paper finds fine-tuning nearly triples it.");
        } else {
            t.append(" No ratio: it is defined only when both couplings are positive; read the change instead.");
        }
        Comparison.Result d = s.result(SemanticMetric.DIVERSITY);
        t.append(" Semantic diversity went from ").append(num(d.baseline())).append(" to ").append(num(d.candidate())).append(" (")
                .append(percent(d.percentDelta())).append(", ").append(verdict(d)).append(").");
        return t.toString();
    }

    private static String semanticCaveat(SemanticComparison s) {
        return "**Semantic diversity.** The values depend on the sentence-embedding model and see at most the text kept per rollout"
                + " (`--semantic-max-chars`, and the model's 128 word pieces). "
                + (s.resampled()
                ? "The intervals take prompts as the unit: the per-prompt values are fixed, not recomputed from resampled rollouts;"
                        + " their spread between prompts includes the noise of each prompt's finite sample of rollouts, but a prompt"
                        + " with few embedded rollouts weighs as much in the diversity mean as one with many."
                : "Traffic without prompt ids compares answers to different prompts with each other, which measures how varied the"
                        + " prompts are as much as the model: prefer a fixed probe set with prompt ids.");
    }

    /** The headline paragraph: rho first, then CE* and where its change comes from. */
    static String reading(Comparison c) {
        StringBuilder s = new StringBuilder();
        Comparison.Result rho = c.result(Metric.PEARSON);
        String rhoName = c.replicates().design() == Bootstrap.Design.ROLLOUTS ? "rho(N, r) over the traffic" : "The prompt-controlled rho(N, r)";
        if (rho.significant() == null || !Double.isFinite(rho.delta())) {
            s.append(rhoName).append(" cannot be compared: it is undefined for a release or has no interval (a single prompt, too few rollouts per prompt,"
                    + " or constant lengths).");
        } else if (rho.significant()) {
            boolean rose = rho.delta() > 0;
            s.append(rhoName).append(rose ? " rose by " : " fell by ").append(signed(rho.delta())).append(' ')
                    .append(interval(rho.ciLow(), rho.ciHigh())).append(", from ").append(num(rho.baseline())).append(" to ")
                    .append(num(rho.candidate())).append(rose
                            ? ": the candidate's longer answers carry more information per token, relative to its shorter ones, than the baseline's did."
                            : ": the candidate's longer answers carry less information per token, relative to its shorter ones, than the baseline's did"
                            + " (low-entropy repetition or padding in long answers is a common cause).");
        } else if (rho.excludesZero()) {
            s.append(rhoName).append(" moved by ").append(signed(rho.delta())).append(' ').append(interval(rho.ciLow(), rho.ciHigh()))
                    .append(" (from ").append(num(rho.baseline())).append(" to ").append(num(rho.candidate()))
                    .append("), an interval that excludes 0 on its own but not once the ").append(Metric.COUNT)
                    .append(" metrics are tested together: weak evidence, not a flag; confirm on more prompts before acting on it.");
        } else {
            s.append(rhoName).append(" moved by ").append(signed(rho.delta())).append(' ').append(interval(rho.ciLow(), rho.ciHigh()))
                    .append(" (from ").append(num(rho.baseline())).append(" to ").append(num(rho.candidate()))
                    .append("), an interval that includes 0: no evidence that the release changed how information per token varies with length.");
        }
        s.append(' ').append(rankAgreement(c));

        Comparison.Result ce = c.result(Metric.CE_STAR);
        if (ce.significant() != null && ce.significant()) {
            s.append(" CE* ").append(ce.delta() > 0 ? "rose" : "fell").append(" by ").append(signed(ce.delta())).append(" nats ")
                    .append(interval(ce.ciLow(), ce.ciHigh())).append(", from ").append(num(ce.baseline())).append(" to ")
                    .append(num(ce.candidate())).append(" (").append(percent(ce.percentDelta())).append("): exp(CE*), roughly the number of equally likely answers, ")
                    .append(ce.delta() > 0 ? "grew" : "shrank").append(" by a factor of ").append(factor(Math.abs(ce.delta()))).append('.');
            Comparison.Result ld = c.result(Metric.LENGTH_DRIVEN);
            Comparison.Result cp = c.result(Metric.COUPLING);
            s.append(" Of that change, the length-driven part L·R contributes ").append(signed(ld.delta())).append(' ')
                    .append(interval(ld.ciLow(), ld.ciHigh())).append(" and the coupling part CE* − L·R ").append(signed(cp.delta()))
                    .append(' ').append(interval(cp.ciLow(), cp.ciHigh())).append('.');
        } else if (ce.significant() != null) {
            s.append(" CE* changed by ").append(signed(ce.delta())).append(" nats ").append(interval(ce.ciLow(), ce.ciHigh()))
                    .append(", ").append(noise(ce));
            Comparison.Result ld = c.result(Metric.LENGTH_DRIVEN);
            Comparison.Result cp = c.result(Metric.COUPLING);
            if (Boolean.TRUE.equals(ld.significant()) || Boolean.TRUE.equals(cp.significant())) {
                s.append(", but its make-up changed: the length-driven part L·R moved by ").append(signed(ld.delta())).append(' ')
                        .append(interval(ld.ciLow(), ld.ciHigh())).append(" and the coupling part CE* − L·R by ").append(signed(cp.delta()))
                        .append(' ').append(interval(cp.ciLow(), cp.ciHigh())).append('.');
            } else {
                s.append('.');
            }
        }
        Comparison.Result len = c.result(Metric.MEAN_LENGTH);
        Comparison.Result rate = c.result(Metric.MEAN_ENTROPY_RATE);
        s.append(" Mean length went from ").append(num(len.baseline())).append(" to ").append(num(len.candidate())).append(" tokens (")
                .append(percent(len.percentDelta())).append(", ").append(verdict(len)).append(") and the mean entropy rate from ")
                .append(num(rate.baseline())).append(" to ").append(num(rate.candidate())).append(" nats per token (")
                .append(percent(rate.percentDelta())).append(", ").append(verdict(rate)).append(").");
        return s.toString();
    }

    private static String rankAgreement(Comparison c) {
        Comparison.Result p = c.result(Metric.PEARSON);
        Comparison.Result sp = c.result(Metric.SPEARMAN);
        Comparison.Result kt = c.result(Metric.KENDALL);
        String detail = "Spearman " + signed(sp.delta()) + " " + interval(sp.ciLow(), sp.ciHigh()) + ", Kendall "
                + signed(kt.delta()) + " " + interval(kt.ciLow(), kt.ciHigh());
        if (p.significant() == null || sp.significant() == null || kt.significant() == null) {
            return "The rank correlations moved by " + detail + ".";
        }
        boolean agree = p.significant() == sp.significant() && p.significant() == kt.significant()
                && (!p.significant() || (Math.signum(p.delta()) == Math.signum(sp.delta()) && Math.signum(p.delta()) == Math.signum(kt.delta())));
        return agree ? "The rank correlations agree (" + detail + ")."
                : "The rank correlations do not all agree (" + detail + "): the change may rest on a few extreme rollouts; see the scatter plot.";
    }

    private static String verdict(Comparison.Result r) {
        return r.significant() == null ? "no interval" : r.significant() ? "significant" : noise(r);
    }

    /** How an unflagged row reads: within noise, or outside 0 on its own but not after the family's control. */
    private static String noise(Comparison.Result r) {
        return r.excludesZero() ? "not significant once all metrics are tested together" : "within noise";
    }

    private static String unitNoun(Bootstrap.Design d) {
        return d == Bootstrap.Design.ROLLOUTS ? "sampling rollouts" : "sampling prompts";
    }

    private static String design(Comparison c) {
        Bootstrap.Replicates reps = c.replicates();
        return switch (reps.design()) {
            case PAIRED_PROMPTS -> {
                int shared = Bootstrap.sharedPrompts(c.baseline(), c.candidate());
                int union = c.baseline().prompts().size() + c.candidate().prompts().size() - shared;
                yield "paired by prompt id (" + shared + " prompt ids shared" + (shared == union ? "" : " of " + union)
                        + "; a prompt id left out is left out of both releases)";
            }
            case UNPAIRED_PROMPTS -> "unpaired (the releases share no prompt id, so each release's prompts are left out in turn independently)";
            case ROLLOUTS -> "over rollouts (production traffic without prompt ids: each release's rollouts are resampled independently)";
        };
    }

    private static String estimatorCaveat(ReleaseData b, ReleaseData k) {
        if (b.topkSteps() + b.surprisalSteps() + k.topkSteps() + k.surprisalSteps() == 0) {
            return null;
        }
        double[] sb = shares(b);
        double[] sk = shares(k);
        boolean differ = false;
        for (int i = 0; i < 3; i++) {
            differ |= Math.abs(sb[i] - sk[i]) > MIX_DIFFERENCE;
        }
        return "**Estimator mix.** Step entropies came from exact `entropy` fields for " + pct(sb[0]) + " / " + pct(sk[0])
                + " of the steps (baseline / candidate), from renormalised `top_logprobs` for " + pct(sb[1]) + " / " + pct(sk[1])
                + " and from the surprisal −logprob for " + pct(sb[2]) + " / " + pct(sk[2]) + ". Top-k steps underestimate the entropy"
                + " when k is below the sampling support (`ce_star_upper` bounds it); surprisal steps are unbiased for CE* but noisy per"
                + " rollout, which adds noise to each r and tends to pull rho(N, r) towards 0. "
                + (differ ? "The mixes differ between the releases, so part of each delta may come from the estimators rather than the model:"
                        + " compare releases whose servers report the same fields."
                        : "The mixes are the same for both releases, so they bias both sides alike; deltas are less affected than levels.");
    }

    private static double[] shares(ReleaseData r) {
        double total = Math.max(r.steps(), 1);
        return new double[] {r.exactSteps() / total, r.topkSteps() / total, r.surprisalSteps() / total};
    }

    private static String mix(ReleaseData r) {
        double[] s = shares(r);
        return pct(s[0]) + " / " + pct(s[1]) + " / " + pct(s[2]);
    }

    private static String prompts(ReleaseData r) {
        return r.prompts().trafficOnly() ? "none (traffic)" : count(r.promptCount());
    }

    private static String pct(double share) {
        return String.format(Locale.ROOT, "%.1f%%", 100 * share);
    }

    private static String percent(double p) {
        return Double.isFinite(p) ? String.format(Locale.ROOT, "%+.1f%%", p).replace('-', '−') : "no percentage";
    }

    private static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    private static String factor(double nats) {
        double f = Math.exp(nats);
        if (f < 1e4) {
            return String.format(Locale.ROOT, "%.3g", f);
        }
        int exponent = (int) Math.floor(Math.log10(f));
        return String.format(Locale.ROOT, "e^%.1f ≈ %.1f × 10^%d", nats, f / Math.pow(10, exponent), exponent);
    }

    /** A value with precision to suit its size; "n/a" when undefined. */
    static String num(double v) {
        if (!Double.isFinite(v)) {
            return "n/a";
        }
        double a = Math.abs(v);
        String s;
        if (a == 0) {
            s = "0";
        } else if (a >= 100) {
            s = String.format(Locale.ROOT, "%.2f", v);
        } else if (a >= 0.01) {
            s = String.format(Locale.ROOT, "%.3f", v);
        } else {
            s = String.format(Locale.ROOT, "%.5f", v);
        }
        return s.replace('-', '−');
    }

    /** A value with its sign always shown. */
    static String signed(double v) {
        String s = num(v);
        return Double.isFinite(v) && v >= 0 ? "+" + s : s;
    }

    static String interval(double low, double high) {
        if (!Double.isFinite(low) || !Double.isFinite(high)) {
            return "[n/a]";
        }
        return "[" + signed(low) + ", " + signed(high) + "]";
    }
}
