package dev.canopy.app.demo;

import dev.canopy.core.report.Report;
import dev.canopy.core.stats.GroupKey;
import dev.canopy.core.stats.GroupMetrics;
import dev.canopy.semantic.SemanticCodec;
import dev.canopy.topology.WindowValue;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/** Renders the demo's live table: per model and release, cumulative CE* and rho, and the newest window. */
public final class ConsoleView {

    private ConsoleView() {
    }

    /**
     * @param semantic each release's semantic diversity result, or null (column "d~r" shows its pooled
     *                 Pearson corr(d, entropy rate) when semantic diversity is on)
     */
    public static String render(Report report, Function<GroupMetrics, WindowValue> newestWindow,
                                Function<GroupKey, SemanticCodec.Result> semantic, Duration elapsed, long events,
                                long inFlight, String metricsUrl, Duration windowSize) {
        StringBuilder sb = new StringBuilder();
        long s = elapsed.toSeconds();
        sb.append(String.format(Locale.ROOT, "Canopy demo  %02d:%02d:%02d   events sent %,d   rejected %,d   abandoned %,d   in flight %,d%n",
                s / 3600, (s / 60) % 60, s % 60, events, report.rejected(), report.abandoned(), inFlight));
        sb.append("metrics ").append(metricsUrl).append("   report ").append(metricsUrl.replace("/metrics", "/api/v1/report")).append('\n');
        sb.append('\n');
        String window = "last " + human(windowSize);
        sb.append(String.format(Locale.ROOT, "%-14s %-17s %9s %9s %24s %6s | %-8s %9s %9s %8s%n", "model", "release", "rollouts", "CE* nats",
                "rho(N,r) pooled [95% CI]", "d~r", window, "rollouts", "CE* nats", "rho"));
        List<GroupMetrics> groups = report.groups();
        if (groups.isEmpty()) {
            sb.append("(waiting for the first completed rollouts...)\n");
        }
        for (GroupMetrics g : groups) {
            WindowValue w = newestWindow.apply(g);
            GroupMetrics wm = w == null || w.accumulator().rollouts() == 0 ? null : GroupMetrics.of(g.key(), w.accumulator());
            SemanticCodec.Result sem = semantic.apply(g.key());
            String coupling = sem == null || !Double.isFinite(sem.metrics().rateCorrelation().pearson()) ? "-"
                    : String.format(Locale.ROOT, "%+.2f", sem.metrics().rateCorrelation().pearson());
            sb.append(String.format(Locale.ROOT, "%-14s %-17s %,9d %9s %24s %6s | %-8s %9s %9s %8s%n", g.key().model(), g.key().release(),
                    g.rollouts(), num(g.ceStar(), 1), rho(g.lengthEntropyRate().pearson(), g.pearsonInterval()), coupling, "",
                    wm == null ? "-" : String.format(Locale.ROOT, "%,d", wm.rollouts()), wm == null ? "-" : num(wm.ceStar(), 1),
                    wm == null ? "-" : num(wm.lengthEntropyRate().pearson(), 2)));
        }
        if (!groups.isEmpty()) {
            sb.append("\nd~r: correlation of a rollout's semantic diversity with its entropy rate, pooled over prompts (the paper's second finding).\n");
        }
        return sb.toString();
    }

    private static String rho(double r, double[] ci) {
        if (!Double.isFinite(r)) {
            return "n/a";
        }
        if (!Double.isFinite(ci[0])) {
            return String.format(Locale.ROOT, "%+.2f", r);
        }
        return String.format(Locale.ROOT, "%+.2f [%+.2f, %+.2f]", r, ci[0], ci[1]);
    }

    private static String num(double v, int digits) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%." + digits + "f", v) : "n/a";
    }

    private static String human(Duration d) {
        long s = d.toSeconds();
        if (s % 3600 == 0) {
            return s / 3600 + "h";
        }
        if (s % 60 == 0) {
            return s / 60 + "m";
        }
        return s + "s";
    }
}
