package dev.canopy.analysis.compare;

import dev.canopy.core.replay.JsonLines;
import dev.canopy.core.replay.ReplayEngine;
import dev.canopy.core.report.Report;
import dev.canopy.core.stats.GroupMetrics;
import dev.canopy.simulator.EstimatorMode;
import dev.canopy.simulator.ModelStyles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The values compare starts from are replay's: the releases read from files carry exactly the metrics
 * {@code canopy replay} reports, and the functions the bootstrap recomputes per replicate give those same
 * values on the unresampled data.
 */
class ReplayConsistencyTest {

    private static final ReleaseRef BASE = new ReleaseRef(SimulatedEvents.MODEL, "base");
    private static final ReleaseRef TUNED = new ReleaseRef(SimulatedEvents.MODEL, "tuned");
    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    private static Report replay(Path file, ReplayEngine.Options options) throws IOException {
        ReplayEngine engine = new ReplayEngine(options);
        try (InputStream in = JsonLines.open(file)) {
            JsonLines.forEach(in, engine::accept);
        }
        return engine.finish();
    }

    private static GroupMetrics group(Report report, ReleaseRef ref) {
        return report.groups().stream().filter(g -> ref.matches(g.key().model(), g.key().release())).findFirst().orElseThrow();
    }

    private static void assertSame(double[] expected, double[] actual, String what) {
        for (Metric m : Metric.values()) {
            double e = expected[m.ordinal()];
            double a = actual[m.ordinal()];
            if (Double.isNaN(e)) {
                assertTrue(Double.isNaN(a), what + " " + m.key());
            } else {
                assertEquals(e, a, 1e-12 * Math.max(1, Math.abs(e)), what + " " + m.key());
            }
        }
    }

    @Test
    void shouldCarryReplaysMetricsAndRecomputeThemFromPrompts(@TempDir Path dir) throws IOException {
        Path file = SimulatedEvents.promptSet(dir.resolve("e.jsonl"), 5, 24, 20, EstimatorMode.MIXED, "",
                "base", ModelStyles.base(1, SimulatedEvents.VOCAB), "tuned", ModelStyles.tuned(2, SimulatedEvents.VOCAB));
        ReplayEngine.Options options = ReplayEngine.Options.defaults();
        Report report = replay(file, options);
        LoadedReleases in = EventFileInput.read(List.of(file), options, BASE, TUNED, QUIET);
        for (ReleaseData r : List.of(in.baseline(), in.candidate())) {
            GroupMetrics replayed = group(report, r.ref());
            assertSame(Metric.vector(replayed), r.point(), "point of " + r.ref());
            assertSame(Metric.vector(replayed), r.prompts().pooled(), "prompt pooling of " + r.ref());
            assertEquals(replayed.rollouts(), r.rollouts().size(), "rollouts kept for " + r.ref());
            assertEquals(replayed.rollouts(), r.rolloutCount());
            assertEquals(24, r.promptCount());
        }
    }

    @Test
    void shouldRecomputeTrafficMetricsFromRollouts(@TempDir Path dir) throws IOException {
        Path file = SimulatedEvents.traffic(dir.resolve("t.jsonl"), 9, 1200,
                "base", ModelStyles.base(1, SimulatedEvents.VOCAB), "tuned", ModelStyles.tuned(2, SimulatedEvents.VOCAB));
        for (int pairCapacity : new int[] {4096, 100}) {
            ReplayEngine.Options options = new ReplayEngine.Options(ReplayEngine.Options.defaults().vocabularySize(), pairCapacity,
                    ReplayEngine.Options.defaults().maxPrompts());
            Report report = replay(file, options);
            LoadedReleases in = EventFileInput.read(List.of(file), options, BASE, TUNED, QUIET);
            for (ReleaseData r : List.of(in.baseline(), in.candidate())) {
                GroupMetrics replayed = group(report, r.ref());
                assertTrue(r.prompts().trafficOnly());
                double[] expected = Metric.vector(replayed);
                double[] recomputed = r.rollouts().pooled(pairCapacity);
                if (pairCapacity < r.rollouts().size()) {
                    // beyond the pair capacity replay ranks a hash sample and the bootstrap the first draws:
                    // only the exact statistics must agree
                    expected[Metric.SPEARMAN.ordinal()] = recomputed[Metric.SPEARMAN.ordinal()];
                    expected[Metric.KENDALL.ordinal()] = recomputed[Metric.KENDALL.ordinal()];
                }
                assertSame(expected, recomputed, "rollout pooling of " + r.ref() + " at pair capacity " + pairCapacity);
                assertSame(Metric.vector(replayed), r.point(), "point of " + r.ref());
            }
        }
    }
}
