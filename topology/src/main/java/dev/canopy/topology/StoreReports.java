package dev.canopy.topology;

import dev.canopy.core.report.Report;
import dev.canopy.core.stats.GroupAccumulator;
import dev.canopy.core.stats.GroupKey;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Builds the report from the topology's stores. Partial states (one per instance, each holding the
 * groups of its own partitions) merge exactly, since group accumulators are mergeable and rejection
 * counts add up.
 */
public final class StoreReports {

    /** The cumulative state held by one instance (or several, merged). */
    public record Partial(Map<GroupKey, GroupAccumulator> groups, Map<String, Long> rejections) {

        public static Partial empty() {
            return new Partial(new HashMap<>(), new TreeMap<>());
        }

        public void merge(Partial other) {
            other.groups.forEach((k, v) -> {
                GroupAccumulator mine = groups.get(k);
                if (mine == null) {
                    groups.put(k, GroupAccumulator.fromBytes(v.toBytes()));
                } else {
                    mine.merge(v);
                }
            });
            other.rejections.forEach((k, v) -> rejections.merge(k, v, Long::sum));
        }

        public Report report() {
            return Report.of(rejections, groups);
        }
    }

    private StoreReports() {
    }

    public static Partial read(ReadOnlyKeyValueStore<String, byte[]> groups, ReadOnlyKeyValueStore<String, Long> rejections) {
        Partial p = Partial.empty();
        try (KeyValueIterator<String, byte[]> it = groups.all()) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> kv = it.next();
                p.groups().put(GroupKeys.parse(kv.key), GroupAccumulator.fromBytes(kv.value));
            }
        }
        try (KeyValueIterator<String, Long> it = rejections.all()) {
            while (it.hasNext()) {
                KeyValue<String, Long> kv = it.next();
                p.rejections().merge(kv.key, kv.value, Long::sum);
            }
        }
        return p;
    }
}
