package dev.canopy.analysis.compare;

import com.fasterxml.jackson.databind.JsonNode;
import dev.canopy.core.UserError;
import dev.canopy.core.stats.PairSample;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The comparison {@code canopy compare --from URL} makes, for a report a monitor already holds: the web
 * page's A/B view asks its own monitor, which answers without an HTTP round trip to itself. Same
 * replicates and seed as the command's defaults, so the numbers are the command's; the semantic part is
 * included when both releases have a semantic block (as {@code --semantic} would need).
 */
public final class LiveComparison {

    /** The command's default replicates and seed. */
    public static final int REPLICATES = 2000;
    public static final long SEED = 42;

    private LiveComparison() {
    }

    /**
     * compare.json of two releases of one model in a monitor's report.
     *
     * @param report the report's JSON tree ({@code GET /api/v1/report})
     * @param uri    where the report was read, for the messages
     * @throws UserError when a release is unknown, has no rollouts yet, or is traffic without prompt ids
     */
    public static byte[] json(JsonNode report, URI uri, String model, String baseline, String candidate) throws IOException {
        ReleaseRef base = new ReleaseRef(model, baseline);
        ReleaseRef cand = new ReleaseRef(model, candidate);
        if (base.equals(cand)) {
            throw new UserError("baseline and candidate are both " + base + ": pick two different releases");
        }
        boolean semantic = hasSemantic(report, base) && hasSemantic(report, cand);
        LoadedReleases input = MonitorReportInput.of(report, uri.toString(), uri, base, cand, semantic);
        Bootstrap.Design design = Bootstrap.choose(input.baseline(), input.candidate());
        if (design == Bootstrap.Design.ROLLOUTS) {
            throw new UserError(base + " and " + cand + " are production traffic without prompt ids, whose bootstrap resamples rollouts;"
                    + " a monitor's report only has per-prompt statistics, so run canopy compare on the event files instead");
        }
        Bootstrap.Replicates reps = Bootstrap.run(input.baseline(), input.candidate(), design, REPLICATES, SEED,
                PairSample.DEFAULT_CAPACITY, done -> { });
        Comparison comparison = Comparison.of(input.baseline(), input.candidate(), reps, input.source());
        if (input.semantic()) {
            comparison = comparison.withSemantic(SemanticComparison.of(input.semanticBaseline(), input.semanticCandidate(), design,
                    REPLICATES, SEED));
        }
        Path file = Files.createTempFile("canopy-compare", ".json");
        try {
            CompareJson.write(comparison, file);
            return Files.readAllBytes(file);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static boolean hasSemantic(JsonNode report, ReleaseRef ref) {
        for (JsonNode g : report.path("groups")) {
            if (ref.matches(g.path("model").asText(), g.path("release").asText())) {
                return g.path("semantic").isObject();
            }
        }
        return false;
    }
}
