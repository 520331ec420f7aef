package dev.canopy.monitor.metrics;

import dev.canopy.core.stats.GroupMetrics;
import dev.canopy.semantic.SemanticCodec;

/**
 * What is exported for one model and release at one moment.
 *
 * @param cumulative  metrics since the release was first seen
 * @param rolling     metrics of the newest rolling window, or null when the window is empty
 * @param baseline    the release it is compared with ("" for a model's first)
 * @param firstSeenMs when the release was first seen (epoch ms)
 * @param lastSeenMs  its most recent rollout completion (epoch ms)
 * @param semantic    semantic diversity of the release (cumulative), or null when off or not measured here
 */
public record ReleaseSnapshot(GroupMetrics cumulative, GroupMetrics rolling, String baseline, long firstSeenMs,
                              long lastSeenMs, SemanticCodec.Result semantic) {

    public ReleaseSnapshot(GroupMetrics cumulative, GroupMetrics rolling, String baseline, long firstSeenMs, long lastSeenMs) {
        this(cumulative, rolling, baseline, firstSeenMs, lastSeenMs, null);
    }
}
