package dev.canopy.monitor.query;

import dev.canopy.core.stats.GroupAccumulator;
import dev.canopy.core.stats.GroupKey;
import dev.canopy.topology.ReleaseLineage;
import dev.canopy.topology.ReleaseRecord;
import dev.canopy.topology.StoreReports;
import dev.canopy.topology.WindowValue;
import org.apache.kafka.streams.errors.InvalidStateStoreException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
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

    @Override
    public Map<GroupKey, WindowValue> newestWindows(Collection<GroupKey> releases) {
        check();
        Map<GroupKey, WindowValue> out = new HashMap<>();
        windows.forEach((k, v) -> {
            if (!v.isEmpty() && releases.contains(k)) {
                out.put(k, v.get(v.size() - 1));
            }
        });
        return out;
    }

    @Override
    public List<byte[]> shifts() {
        check();
        return List.copyOf(shifts);
    }

    @Override
    public Map<GroupKey, ReleaseLineage.Release> lineage(Map<GroupKey, GroupAccumulator> of) {
        Map<String, Map<String, Long>> byModel = new TreeMap<>();
        of.forEach((k, v) -> byModel.computeIfAbsent(k.model(), m -> new HashMap<>()).put(k.release(), v.firstSeen()));
        Map<GroupKey, ReleaseLineage.Release> out = new HashMap<>();
        byModel.forEach((model, first) -> {
            for (ReleaseLineage.Release r : ReleaseLineage.order(first, release -> (ReleaseRecord) null)) {
                out.put(new GroupKey(model, r.release()), r);
            }
        });
        return out;
    }
}
