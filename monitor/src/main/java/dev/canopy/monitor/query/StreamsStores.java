package dev.canopy.monitor.query;

import dev.canopy.core.replay.ReplayEngine;
import dev.canopy.core.stats.GroupKey;
import dev.canopy.semantic.SemanticCodec;
import dev.canopy.topology.ReleaseLineage;
import dev.canopy.topology.ReleaseMetrics;
import dev.canopy.topology.ReleaseRecord;
import dev.canopy.topology.StoreNames;
import dev.canopy.topology.StoreReports;
import dev.canopy.topology.WindowValue;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** This instance's state stores, read through Kafka Streams' interactive queries. */
public final class StreamsStores implements LocalStores {

    private final KafkaStreams streams;
    private final ReplayEngine.Options statistics;
    private final boolean semantic;

    /**
     * @param statistics the accumulator bounds, for releases that have only pending rollouts so far
     * @param semantic   whether the topology keeps semantic diversity stores
     */
    public StreamsStores(KafkaStreams streams, ReplayEngine.Options statistics, boolean semantic) {
        this.streams = streams;
        this.statistics = statistics;
        this.semantic = semantic;
    }

    private <V> ReadOnlyKeyValueStore<String, V> store(String name) {
        return streams.store(StoreQueryParameters.fromNameAndType(name, QueryableStoreTypes.<String, V>keyValueStore()));
    }

    @Override
    public StoreReports.Partial partial() {
        StoreReports.Partial p = StoreReports.read(this.<byte[]>store(StoreNames.GROUPS), this.<byte[]>store(StoreNames.PENDING),
                this.<Long>store(StoreNames.REJECTIONS), statistics);
        p.semantic().putAll(semantic());
        return p;
    }

    @Override
    public Map<GroupKey, SemanticCodec.Result> semantic() {
        if (!semantic) {
            return new HashMap<>();
        }
        return StoreReports.readSemantic(this.<byte[]>store(StoreNames.SEMANTIC_PROMPTS), this.<byte[]>store(StoreNames.SEMANTIC_COUNTS));
    }

    @Override
    public List<WindowValue> windows(GroupKey key) {
        return StoreReports.windows(this.<byte[]>store(StoreNames.WINDOWS), this.<byte[]>store(StoreNames.PROVISIONAL_WINDOWS), key);
    }

    @Override
    public Map<GroupKey, ReleaseMetrics> releaseMetrics() {
        return StoreReports.releaseMetrics(this.<byte[]>store(StoreNames.RELEASE_METRICS));
    }

    @Override
    public List<byte[]> shifts() {
        List<byte[]> out = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = this.<byte[]>store(StoreNames.SHIFT_RESULTS).all()) {
            while (it.hasNext()) {
                out.add(it.next().value);
            }
        }
        return out;
    }

    @Override
    public Map<GroupKey, ReleaseLineage.Release> lineage(Map<GroupKey, Long> firstSeen) {
        ReadOnlyKeyValueStore<String, byte[]> announced;
        try {
            announced = this.<byte[]>store(StoreNames.RELEASES);
        } catch (InvalidStateStoreException e) {
            announced = null;
        }
        Map<String, Map<String, Long>> byModel = new TreeMap<>();
        firstSeen.forEach((k, v) -> byModel.computeIfAbsent(k.model(), m -> new HashMap<>())
                .put(k.release(), v == Long.MAX_VALUE ? 0 : v));
        Map<GroupKey, ReleaseLineage.Release> out = new HashMap<>();
        ReadOnlyKeyValueStore<String, byte[]> store = announced;
        byModel.forEach((model, releases) -> {
            for (ReleaseLineage.Release r : ReleaseLineage.order(releases,
                    release -> store == null ? null : ReleaseRecord.lookup(store::get, model, release))) {
                out.put(new GroupKey(model, r.release()), r);
            }
        });
        return out;
    }
}
