package dev.canopy.topology;

import dev.canopy.core.report.Report;
import dev.canopy.core.stats.GroupAccumulator;
import dev.canopy.core.stats.GroupKey;
import dev.canopy.semantic.SemanticCodec;
import dev.canopy.semantic.SemanticCounts;
import dev.canopy.semantic.SemanticJson;
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

    /**
     * The cumulative state held by one instance (or several, merged). {@code semantic} holds the
     * semantic results of the releases whose semantic task the instance runs (each release's in one
     * task, so merging is a union); empty when semantic diversity is off.
     */
    public record Partial(Map<GroupKey, GroupAccumulator> groups, Map<String, Long> rejections,
                          Map<GroupKey, SemanticCodec.Result> semantic) {

        public static Partial empty() {
            return new Partial(new HashMap<>(), new TreeMap<>(), new HashMap<>());
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
            semantic.putAll(other.semantic);
        }

        /** Writes each group's {@code semantic} block (null for a release with no semantic result yet). */
        public dev.canopy.core.report.ReportJson.GroupExtension semanticExtension() {
            return (m, g) -> {
                SemanticCodec.Result r = semantic.get(m.key());
                if (r == null) {
                    g.writeNullField("semantic");
                } else {
                    SemanticJson.write(r.metrics(), r.counts(), g);
                }
            };
        }

        public Report report() {
            return Report.of(rejections, groups);
        }
    }

    private StoreReports() {
    }

    /**
     * This instance's semantic results: per release, the prompt metrics pooled afresh and the counts.
     */
    public static Map<GroupKey, SemanticCodec.Result> readSemantic(ReadOnlyKeyValueStore<String, byte[]> prompts,
                                                                  ReadOnlyKeyValueStore<String, byte[]> counts) {
        Map<GroupKey, SemanticCodec.Result> out = new HashMap<>();
        java.util.List<KeyValue<String, byte[]>> all = new java.util.ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = counts.all()) {
            while (it.hasNext()) {
                all.add(it.next());
            }
        }
        for (KeyValue<String, byte[]> kv : all) {
            SemanticCounts c = SemanticProcessor.decodeCounts(kv.value);
            out.put(GroupKeys.parse(kv.key), new SemanticCodec.Result(SemanticProcessor.pooled(prompts, kv.key, c), c));
        }
        return out;
    }

    /**
     * The windows kept for one group: the closed ones oldest first, then the provisional newest (if any). Older
     * versions kept the provisional window in the closed windows' store under the last time slot; the range
     * stops before it.
     */
    public static java.util.List<WindowValue> windows(ReadOnlyKeyValueStore<String, byte[]> closed,
                                                      ReadOnlyKeyValueStore<String, byte[]> provisional, GroupKey group) {
        java.util.List<WindowValue> out = new java.util.ArrayList<>();
        String g = GroupKeys.of(group);
        try (KeyValueIterator<String, byte[]> it = closed.range(GroupKeys.timed(g, 0), GroupKeys.timed(g, Long.MAX_VALUE))) {
            while (it.hasNext()) {
                out.add(WindowValue.fromBytes(it.next().value));
            }
        }
        byte[] open = provisional.get(g);
        if (open != null) {
            out.add(WindowValue.fromBytes(open));
        }
        return out;
    }

    /** The metrics the aggregate last emitted for each release this instance holds. */
    public static Map<GroupKey, ReleaseMetrics> releaseMetrics(ReadOnlyKeyValueStore<String, byte[]> store) {
        Map<GroupKey, ReleaseMetrics> out = new HashMap<>();
        try (KeyValueIterator<String, byte[]> it = store.all()) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> kv = it.next();
                out.put(GroupKeys.parse(kv.key), ReleaseMetrics.fromBytes(kv.value));
            }
        }
        return out;
    }

    /** The key under which a group's cumulative accumulator is stored. */
    public static String groupKey(GroupKey key) {
        return GroupKeys.of(key);
    }

    /**
     * This instance's cumulative state: the stored accumulators plus the pending rollouts newer than
     * each. The pending rollouts are read first: a fold running meanwhile (accumulators written, then
     * pending deleted) can then neither drop a rollout nor count it twice.
     *
     * @param statistics the accumulator bounds, for releases that have only pending rollouts so far
     */
    public static Partial read(ReadOnlyKeyValueStore<String, byte[]> groups, ReadOnlyKeyValueStore<String, byte[]> pending,
                               ReadOnlyKeyValueStore<String, Long> rejections, dev.canopy.core.replay.ReplayEngine.Options statistics) {
        Partial p = Partial.empty();
        java.util.List<KeyValue<String, byte[]>> newer = new java.util.ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = pending.all()) {
            while (it.hasNext()) {
                newer.add(it.next());
            }
        }
        Map<String, Long> foldedThrough = new HashMap<>();
        try (KeyValueIterator<String, byte[]> it = groups.all()) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> kv = it.next();
                StoredGroup stored = StoredGroup.decode(kv.value);
                foldedThrough.put(kv.key, stored.foldedThrough());
                p.groups().put(GroupKeys.parse(kv.key), stored.accumulator());
            }
        }
        for (KeyValue<String, byte[]> kv : newer) {
            String group = GroupKeys.group(kv.key);
            if (GroupKeys.time(kv.key) > foldedThrough.getOrDefault(group, 0L)) {
                p.groups().computeIfAbsent(GroupKeys.parse(group),
                                k -> new GroupAccumulator(statistics.pairCapacity(), statistics.maxPrompts()))
                        .add(RolloutSerde.fromBytes(kv.value));
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
