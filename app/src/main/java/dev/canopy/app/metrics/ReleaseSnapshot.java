package dev.canopy.app.metrics;

import dev.canopy.core.stats.GroupMetrics;

/**
 * What is exported for one model and release at one moment.
 *
 * @param cumulative  metrics since the release was first seen
 * @param rolling     metrics of the newest rolling window, or null when the window is empty
 * @param baseline    the release it is compared with ("" for a model's first)
 * @param firstSeenMs when the release was first seen (epoch ms)
 * @param lastSeenMs  its most recent rollout completion (epoch ms)
 */
public record ReleaseSnapshot(GroupMetrics cumulative, GroupMetrics rolling, String baseline, long firstSeenMs,
                              long lastSeenMs) {
}
