package dev.canopy.app.compare;

/**
 * The two releases a comparison reads, from event files or a monitor's report.
 *
 * @param source a human description of the input, for report.md
 */
record LoadedReleases(ReleaseData baseline, ReleaseData candidate, String source) {
}
