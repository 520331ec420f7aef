package dev.canopy.app.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The history stage's targets and its part of the table that {@code canopy bench} prints. */
final class HistoryReport {

    /** The most the monitor JVM may hold resident. */
    private static final long GIB = 1L << 30;

    private static final double MIB = 1 << 20;

    /** The least the rate after the long history may be, as a share of the rate after the short one. */
    private static final double MIN_RATE_RATIO = 0.9;

    private HistoryReport() {
    }

    /** The targets of BENCHMARKS.md that the stage checks: the rate holds up over the history, and the JVM stays under 1 GiB. */
    static List<BenchResults.Target> targets(HistoryResult h) {
        List<BenchResults.Target> out = new ArrayList<>();
        double d = h.decline();
        if (!Double.isNaN(d)) {
            out.add(new BenchResults.Target(BenchResults.fmt("per-token rate after %s vs after %s rollouts",
                    BenchResults.rate(h.windows.get(1).afterRollouts()), BenchResults.rate(h.windows.get(0).afterRollouts())),
                    BenchResults.fmt(">= %.2fx", MIN_RATE_RATIO), BenchResults.fmt("%.2fx", d), d >= MIN_RATE_RATIO));
        }
        if (h.peakRssBytes > 0) {
            out.add(new BenchResults.Target("peak RSS of the monitor JVM (" + h.monitorJvmOptions + ")", "< 1 GiB",
                    BenchResults.fmt("%.0f MiB", h.peakRssBytes / MIB), h.peakRssBytes < GIB));
        }
        return out;
    }

    /** The stage's tables: the history, the windows, the bytes each store wrote, the resident set and the recoveries. */
    static void print(PrintStream out, HistoryResult h) {
        out.printf(Locale.ROOT, "History (one monitor JVM, %s; %s chunk records, %s tokens, %,d rollouts of history in %.0f s: %s tokens/s"
                        + " with the generator on the same cores; load average %.2f at its end)%n",
                h.monitorJvmOptions, BenchResults.rate(h.historyRecords), BenchResults.rate(h.historyTokens),
                h.historyRollouts, h.historySeconds, BenchResults.rate(h.historySeconds > 0 ? h.historyTokens / h.historySeconds : 0),
                h.historyLoadAverage);
        out.printf(Locale.ROOT, "%-28s %10s %9s %8s %11s %9s %14s %6s %10s %10s%n", "per-token window", "records", "rollouts", "seconds",
                "records/s", "load avg", "changelog B/tok", "emits", "emit mean", "emits>.55s");
        for (HistoryResult.Window w : h.windows) {
            out.printf(Locale.ROOT, "%-28s %,10d %,9d %8.2f %11s %9.2f %14.0f %6d %9.3fs %10d%n", "after " + BenchResults.rate(w.afterRollouts())
                            + " rollouts", w.records(), w.rollouts(), w.seconds(), BenchResults.rate(w.recordsPerSecond()), w.loadAverage(),
                    per(w.changelogBytes(), w.tokens()), w.emits(), w.emits() > 0 ? w.emitSeconds() / w.emits() : 0.0, w.slowEmits());
        }
        if (!Double.isNaN(h.decline())) {
            out.printf(Locale.ROOT, "rate after the long history / after the short one: %.2fx%n", h.decline());
        }
        out.println();

        out.println("Written to internal topics (changelog bytes on the broker, records incl. transaction markers; repartition: records only)");
        out.printf(Locale.ROOT, "%-40s %13s %9s %9s %13s %9s %9s%n", "store / topic", "history B", "B/token", "B/rollout", "windows B",
                "B/token", "B/rollout");
        long wt = h.windowTokens();
        long wr = h.windowRollouts();
        for (HistoryResult.Store s : h.stores) {
            if (s.changelog()) {
                out.printf(Locale.ROOT, "%-40s %,13d %9.1f %9.0f %,13d %9.1f %9.0f%n", s.store(), s.historyBytes(),
                        per(s.historyBytes(), h.historyTokens), per(s.historyBytes(), h.historyRollouts), s.windowBytes(),
                        per(s.windowBytes(), wt), per(s.windowBytes(), wr));
            } else {
                out.printf(Locale.ROOT, "%-40s %,11d r %9.3f %9.2f %,11d r %9.3f %9.2f%n", s.store(), s.historyRecords(),
                        per(s.historyRecords(), h.historyTokens), per(s.historyRecords(), h.historyRollouts), s.windowRecords(),
                        per(s.windowRecords(), wt), per(s.windowRecords(), wr));
            }
        }
        out.printf(Locale.ROOT, "%-40s %,13d %9.1f %9.0f %,13d %9.1f %9.0f%n", "all changelogs", h.changelogHistoryBytes(),
                per(h.changelogHistoryBytes(), h.historyTokens), per(h.changelogHistoryBytes(), h.historyRollouts), h.changelogWindowBytes(),
                per(h.changelogWindowBytes(), wt), per(h.changelogWindowBytes(), wr));
        out.println();

        out.printf(Locale.ROOT, "Monitor JVM resident set: peak %.0f MiB (over the run and the restart), %.0f MiB after the second window%n",
                h.peakRssBytes / MIB, h.lastRssBytes / MIB);
        out.println("After an unclean stop (SIGKILL), seconds from the kill");
        out.printf(Locale.ROOT, "%-56s %9s %14s %10s%n", "", "RUNNING", "whole report", "rollouts");
        for (HistoryResult.Recovery r : h.recoveries) {
            out.printf(Locale.ROOT, "%-56s %9s %14.1f %,10d%n", r.what(),
                    Double.isNaN(r.runningSeconds()) ? "already" : BenchResults.fmt("%.1f", r.runningSeconds()), r.reportSeconds(),
                    r.reportRollouts());
        }
        if (!h.note.isEmpty()) {
            out.println("(" + h.note + ")");
        }
        out.println();
    }

    /** n / d, 0 when there is no d. */
    static double per(long n, long d) {
        return d == 0 ? 0 : (double) n / d;
    }
}
