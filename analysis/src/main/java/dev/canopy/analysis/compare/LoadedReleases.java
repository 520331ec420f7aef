package dev.canopy.analysis.compare;

/**
 * The two releases a comparison reads, from event files or a monitor's report.
 *
 * @param source            a human description of the input, for report.md
 * @param semanticBaseline  the baseline's semantic diversity, or null without {@code --semantic}
 * @param semanticCandidate the candidate's, or null without {@code --semantic}
 */
record LoadedReleases(ReleaseData baseline, ReleaseData candidate, String source,
                      SemanticRelease semanticBaseline, SemanticRelease semanticCandidate) {

    LoadedReleases(ReleaseData baseline, ReleaseData candidate, String source) {
        this(baseline, candidate, source, null, null);
    }

    boolean semantic() {
        return semanticBaseline != null;
    }
}
