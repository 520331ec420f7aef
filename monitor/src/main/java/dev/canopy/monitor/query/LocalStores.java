package dev.canopy.monitor.query;

import dev.canopy.core.stats.GroupAccumulator;
import dev.canopy.core.stats.GroupKey;
import dev.canopy.topology.ReleaseLineage;
import dev.canopy.topology.StoreReports;
import dev.canopy.topology.WindowValue;

import java.util.Collection;
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

    /** The newest kept window of each of these releases that has one here. */
    Map<GroupKey, WindowValue> newestWindows(Collection<GroupKey> releases);

    /** The shift detector's latest verdicts held here, each a JSON object. */
    List<byte[]> shifts();

    /** Each release's baseline and deployment time, by the detector's rule (announcements first). */
    Map<GroupKey, ReleaseLineage.Release> lineage(Map<GroupKey, GroupAccumulator> groups);
}
