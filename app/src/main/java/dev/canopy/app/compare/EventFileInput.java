package dev.canopy.app.compare;

import dev.canopy.app.EventFiles;
import dev.canopy.app.Progress;
import dev.canopy.app.UserError;
import dev.canopy.core.replay.ReplayEngine;
import dev.canopy.core.report.Report;
import dev.canopy.core.stats.GroupMetrics;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * Reads the two releases from event files: one {@link ReplayEngine} over all files (one stream, in the
 * order given), whose report gives the point estimates (so they are {@code canopy replay}'s values for
 * the same files and settings), and whose listener keeps the completed, non-abandoned rollouts of the
 * two releases for the scatter plot and the rollout bootstrap.
 */
final class EventFileInput {

    private EventFileInput() {
    }

    static LoadedReleases read(List<Path> files, ReplayEngine.Options options, ReleaseRef baseline, ReleaseRef candidate,
                       PrintStream err) throws IOException {
        long total = EventFiles.totalSize(files, "give JSONL or JSONL.gz event files, or --from URL for a running monitor");
        RolloutTable baseRollouts = new RolloutTable();
        RolloutTable candRollouts = new RolloutTable();
        ReplayEngine engine = new ReplayEngine(options, r -> {
            if (r.abandoned()) {
                return;
            }
            if (baseline.matches(r.model(), r.release())) {
                baseRollouts.add(r);
            } else if (candidate.matches(r.model(), r.release())) {
                candRollouts.add(r);
            }
        });
        AtomicLong bytesRead = new AtomicLong();
        try (Progress progress = new Progress(err, 3000, () -> String.format(Locale.ROOT,
                "replay: %s records, %.0f%% of input", Progress.count(engine.records()), 100.0 * bytesRead.get() / Math.max(total, 1)))) {
            EventFiles.feed(files, bytesRead, engine::accept);
        }
        Report report = engine.finish();
        GroupMetrics b = find(report, baseline, "--baseline");
        GroupMetrics c = find(report, candidate, "--candidate");
        String source = files.size() == 1 ? "event file " + files.get(0)
                : files.size() + " event files (" + files.stream().map(Path::toString).collect(Collectors.joining(", ")) + ")";
        return new LoadedReleases(ReleaseData.of(baseline, b, baseRollouts), ReleaseData.of(candidate, c, candRollouts), source);
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
