package dev.canopy.analysis.compare;

import dev.canopy.analysis.cli.EventFiles;
import dev.canopy.analysis.cli.Progress;
import dev.canopy.core.UserError;
import dev.canopy.core.assembly.CompletedRollout;
import dev.canopy.core.replay.ReplayEngine;
import dev.canopy.core.report.Report;
import dev.canopy.core.stats.GroupKey;
import dev.canopy.core.stats.GroupMetrics;
import dev.canopy.semantic.SemanticAnalyzer;
import dev.canopy.semantic.SemanticMetrics;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * Reads the two releases from event files: one {@link ReplayEngine} over all files (one stream, in the
 * order given), whose report gives the point estimates (so they are {@code canopy replay}'s values for
 * the same files and settings), and whose listener keeps the completed, non-abandoned rollouts of the
 * two releases for the scatter plot and the rollout bootstrap. With a {@link SemanticAnalyzer} the replay
 * also assembles each rollout's text, as {@code canopy replay --semantic} does, and the two releases'
 * texts are embedded, so their semantic values are replay's too.
 */
final class EventFileInput {

    private EventFileInput() {
    }

    static LoadedReleases read(List<Path> files, ReplayEngine.Options options, ReleaseRef baseline, ReleaseRef candidate,
                       PrintStream err) throws IOException {
        return read(files, options, null, 0, baseline, candidate, err);
    }

    /**
     * @param analyzer embeds the two releases' rollout texts for semantic diversity; null for none
     * @param maxChars text kept per rollout (with an analyzer)
     */
    static LoadedReleases read(List<Path> files, ReplayEngine.Options options, SemanticAnalyzer analyzer, int maxChars,
                               ReleaseRef baseline, ReleaseRef candidate, PrintStream err) throws IOException {
        long total = EventFiles.totalSize(files, "give JSONL or JSONL.gz event files, or --from URL for a running monitor");
        RolloutTable baseRollouts = new RolloutTable();
        RolloutTable candRollouts = new RolloutTable();
        Consumer<CompletedRollout> keep = r -> {
            if (r.abandoned()) {
                return;
            }
            if (baseline.matches(r.model(), r.release())) {
                baseRollouts.add(r);
            } else if (candidate.matches(r.model(), r.release())) {
                candRollouts.add(r);
            }
        };
        // the text listener sees exactly the completed, non-abandoned rollouts, in the order the listener would
        ReplayEngine engine = analyzer == null ? new ReplayEngine(options, keep) : new ReplayEngine(options, maxChars, (r, text) -> {
            keep.accept(r);
            if (baseline.matches(r.model(), r.release()) || candidate.matches(r.model(), r.release())) {
                analyzer.accept(r, text);
            }
        });
        AtomicLong bytesRead = new AtomicLong();
        try (Progress progress = new Progress(err, 3000, () -> String.format(Locale.ROOT,
                "replay: %s records, %.0f%% of input%s", Progress.count(engine.records()), 100.0 * bytesRead.get() / Math.max(total, 1),
                analyzer == null ? "" : ", " + Progress.count(analyzer.embedded()) + " rollouts embedded"))) {
            EventFiles.feed(files, bytesRead, engine::accept);
        }
        Report report = engine.finish();
        GroupMetrics b = find(report, baseline, "--baseline");
        GroupMetrics c = find(report, candidate, "--candidate");
        String source = files.size() == 1 ? "event file " + files.get(0)
                : files.size() + " event files (" + files.stream().map(Path::toString).collect(Collectors.joining(", ")) + ")";
        ReleaseData base = ReleaseData.of(baseline, b, baseRollouts);
        ReleaseData cand = ReleaseData.of(candidate, c, candRollouts);
        if (analyzer == null) {
            return new LoadedReleases(base, cand, source);
        }
        analyzer.flush();
        if (analyzer.withoutText() > 0) {
            err.println("canopy: " + analyzer.withoutText() + " rollouts of the two releases carried no text and were not embedded");
        }
        return new LoadedReleases(base, cand, source, semantic(analyzer, baseline, "--baseline"), semantic(analyzer, candidate, "--candidate"));
    }

    private static SemanticRelease semantic(SemanticAnalyzer analyzer, ReleaseRef ref, String flag) {
        SemanticMetrics m = analyzer.metrics(new GroupKey(ref.model(), ref.release()));
        if (m == null) {
            throw new UserError("--semantic: no rollout of " + ref + " (" + flag + ") carried text to embed: semantic diversity needs the"
                    + " events' \"text\" field (docs/EVENTS.md); leave out --semantic otherwise");
        }
        return SemanticRelease.of(ref, m);
    }

    private static GroupMetrics find(Report report, ReleaseRef ref, String flag) {
        for (GroupMetrics m : report.groups()) {
            if (ref.matches(m.key().model(), m.key().release())) {
                if (m.rollouts() == 0) {
                    throw new UserError(flag + " " + ref + ": no completed rollout in the input (only abandoned ones)");
                }
                return m;
            }
        }
        String found = report.groups().stream().map(g -> g.key().toString()).collect(Collectors.joining(", "));
        throw new UserError(flag + " " + ref + ": no such model@release in the input; found: "
                + (found.isEmpty() ? "none (no valid events)" : found));
    }
}
