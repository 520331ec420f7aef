package dev.canopy.monitor.query;

import dev.canopy.core.stats.GroupAccumulator;
import dev.canopy.core.stats.GroupKey;
import dev.canopy.semantic.SemanticCodec;
import dev.canopy.topology.ReleaseLineage;
import dev.canopy.topology.ReleaseMetrics;
import dev.canopy.topology.StoreReports;
import dev.canopy.topology.WindowValue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What this instance's own state stores hold (the partitions it owns): Kafka Streams' stores, or a
 * test's stand-in. Each read may throw {@link org.apache.kafka.streams.errors.InvalidStateStoreException}
 * while the stores are not queryable (starting, rebalancing).
 */
public interface LocalStores {

    /** This instance's cumulative state: groups, rejections and, with semantic diversity on, its results. */
    StoreReports.Partial partial();

    /** The kept windows of one release, oldest first; empty when this instance holds none. */
    List<WindowValue> windows(GroupKey key);

    /** The metrics the aggregate last emitted for each release held here (cumulative and newest window). */
    Map<GroupKey, ReleaseMetrics> releaseMetrics();

    /** This instance's semantic results by release; empty when semantic diversity is off. */
    Map<GroupKey, SemanticCodec.Result> semantic();

    /** The shift detector's latest verdicts held here, each a JSON object. */
    List<byte[]> shifts();

    /**
     * Each release's baseline and deployment time, by the detector's rule (announcements first).
     *
     * @param firstSeen each release's earliest rollout completion (epoch ms; Long.MAX_VALUE when none)
     */
    Map<GroupKey, ReleaseLineage.Release> lineage(Map<GroupKey, Long> firstSeen);

    /** Each release's earliest rollout completion, from its accumulator. */
    static Map<GroupKey, Long> firstSeen(Map<GroupKey, GroupAccumulator> groups) {
        Map<GroupKey, Long> out = new HashMap<>();
        groups.forEach((k, v) -> out.put(k, v.firstSeen()));
        return out;
    }
}
