package dev.canopy.monitor.query;

import dev.canopy.core.stats.GroupAccumulator;
import dev.canopy.core.stats.GroupKey;
import dev.canopy.core.stats.GroupMetrics;
import dev.canopy.semantic.SemanticCodec;
import dev.canopy.topology.ReleaseLineage;
import dev.canopy.topology.ReleaseMetrics;
import dev.canopy.topology.ReleaseRecord;
import dev.canopy.topology.StoreReports;
import dev.canopy.topology.WindowValue;
import org.apache.kafka.streams.errors.InvalidStateStoreException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One instance's stores in memory. Its maps are live: a test changes them between requests. Each read
 * of the cumulative state is a copy, as reading the real stores deserializes a fresh one (the query
 * service merges the other instances' parts into it). No announced releases: lineage by first sight.
 */
public final class InMemoryLocalStores implements LocalStores {

    public final Map<GroupKey, GroupAccumulator> groups = new HashMap<>();
    public final Map<String, Long> rejections = new TreeMap<>();
    public final Map<GroupKey, List<WindowValue>> windows = new HashMap<>();
    public final List<byte[]> shifts = new ArrayList<>();
    private volatile boolean queryable = true;

    /** While not queryable, every read throws as Kafka Streams' stores do during a rebalance. */
    public void queryable(boolean queryable) {
        this.queryable = queryable;
    }

    private void check() {
        if (!queryable) {
            throw new InvalidStateStoreException("the stores are migrating (test)");
        }
    }

    @Override
    public StoreReports.Partial partial() {
        check();
        try {
            return Partials.decode(Partials.encode(new StoreReports.Partial(groups, rejections, new HashMap<>())));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public List<WindowValue> windows(GroupKey key) {
        check();
        return windows.getOrDefault(key, List.of());
    }

    /** What the aggregate would have emitted: each group's cumulative metrics and its last window's. */
    @Override
    public Map<GroupKey, ReleaseMetrics> releaseMetrics() {
        check();
        Map<GroupKey, ReleaseMetrics> out = new HashMap<>();
        groups.forEach((k, acc) -> {
            List<WindowValue> kept = windows.getOrDefault(k, List.of());
            WindowValue last = kept.isEmpty() ? null : kept.get(kept.size() - 1);
            ReleaseMetrics.Window newest = last == null ? null
                    : new ReleaseMetrics.Window(last.start(), last.end(), last.closed(), GroupMetrics.of(k, last.accumulator()));
            out.put(k, new ReleaseMetrics(acc.firstSeen(), acc.lastSeen(), GroupMetrics.of(k, acc), newest));
        });
        return out;
    }

    @Override
    public Map<GroupKey, SemanticCodec.Result> semantic() {
        check();
        return new HashMap<>();
    }

    @Override
    public List<byte[]> shifts() {
        check();
        return List.copyOf(shifts);
    }

    @Override
    public Map<GroupKey, ReleaseLineage.Release> lineage(Map<GroupKey, Long> firstSeen) {
        Map<String, Map<String, Long>> byModel = new TreeMap<>();
        firstSeen.forEach((k, v) -> byModel.computeIfAbsent(k.model(), m -> new HashMap<>()).put(k.release(), v));
        Map<GroupKey, ReleaseLineage.Release> out = new HashMap<>();
        byModel.forEach((model, first) -> {
            for (ReleaseLineage.Release r : ReleaseLineage.order(first, release -> (ReleaseRecord) null)) {
                out.put(new GroupKey(model, r.release()), r);
            }
        });
        return out;
    }
}
