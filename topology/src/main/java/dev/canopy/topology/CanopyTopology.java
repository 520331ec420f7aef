package dev.canopy.topology;

import dev.canopy.core.assembly.CompletedRollout;
import dev.canopy.core.assembly.RolloutState;
import dev.canopy.core.shift.ShiftStats;
import dev.canopy.semantic.Embedder;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

import java.util.List;
import java.util.Map;

/**
 * The monitor's Kafka Streams topology.
 *
 * <pre>
 * canopy.tokens ─ validate ─┬─ rejected ──────────────────────────────── canopy.dlq (+ count by reason)
 *                           ├─ keyed by rollout_id ─────────┐
 *                           └─ other key ─ repartition ─ validate ─┴─ assemble [in-flight store]
 *   assemble ─┬─ completed ─────────────────────────────── canopy.rollouts
 *             ├─ beyond_final (after completion) ──────────── canopy.dlq (+ count by reason)
 *             └─ completed + abandoned ─ repartition by model/release ─ aggregate [groups, slices, windows;
 *                                                              in memory: provisional windows, release metrics]
 *   aggregate ─ cumulative and windowed metrics ──────────── canopy.metrics
 *   assemble ─ completed ─ repartition by model ─ detect shifts [shift stats, verdicts; releases global store]
 *   detect shifts ─┬─ inferred releases ─────────────────────── canopy.releases (compacted)
 *                  └─ verdicts that changed ─────────────────── canopy.alerts
 *   with semantic diversity on (texts kept in flight [texts store]):
 *   assemble ─ completed + text ─ repartition by model/release ─ embed [samples, prompts, counts] ─ canopy.metrics
 * </pre>
 */
public final class CanopyTopology {

    /**
     * The largest state record Canopy writes: accumulator changelogs accept records up to this size, and
     * the monitor's producers send them (64 MiB, against Kafka's 1 MiB default).
     */
    public static final int MAX_STATE_RECORD_BYTES = 64 * 1024 * 1024;
    /** The stores whose values are whole accumulators, and may be that large. */
    private static final List<String> LARGE_VALUE_STORES = List.of(StoreNames.GROUPS, StoreNames.SLICES, StoreNames.WINDOWS);

    private CanopyTopology() {
    }

    public static Topology build(MonitorConfig config, TopologyObserver observer) {
        if (config.semantic().enabled()) {
            throw new IllegalArgumentException("semantic diversity is on: build the topology with an embedder");
        }
        return build(config, observer, null);
    }

    /**
     * @param embedder the sentence-embedding model, shared by all tasks (thread-safe); used only when
     *                 {@code config.semantic().enabled()}
     */
    public static Topology build(MonitorConfig config, TopologyObserver observer, Embedder embedder) {
        Topics topics = config.topics();
        SemanticSettings semantic = config.semantic();
        if (semantic.enabled() && embedder == null) {
            throw new IllegalArgumentException("semantic diversity is on but no embedder was given");
        }
        int vocabulary = config.statistics().vocabularySize();
        StreamsBuilder builder = new StreamsBuilder();
        builder.addStateStore(WriteBackStore.builder(StoreNames.IN_FLIGHT, Map.of(), RolloutState::toBytes, RolloutState::fromBytes));
        builder.addStateStore(store(StoreNames.GROUPS));
        builder.addStateStore(store(StoreNames.PENDING));
        builder.addStateStore(store(StoreNames.SLICES));
        builder.addStateStore(store(StoreNames.WINDOWS));
        builder.addStateStore(derived(StoreNames.PROVISIONAL_WINDOWS));
        builder.addStateStore(derived(StoreNames.RELEASE_METRICS));
        builder.addStateStore(WriteBackStore.builder(StoreNames.SHIFT_STATS, Map.of(), ShiftStats::toBytes, ShiftStats::fromBytes));
        builder.addStateStore(store(StoreNames.SHIFT_RESULTS));
        if (semantic.enabled()) {
            builder.addStateStore(store(StoreNames.TEXTS_IN_FLIGHT));
            builder.addStateStore(store(StoreNames.SEMANTIC_SAMPLES));
            builder.addStateStore(store(StoreNames.SEMANTIC_PROMPTS));
            builder.addStateStore(store(StoreNames.SEMANTIC_COUNTS));
            builder.addStateStore(store(StoreNames.SEMANTIC_BACKLOG));
        }
        builder.addGlobalStore(Stores.keyValueStoreBuilder(
                        Stores.persistentKeyValueStore(StoreNames.RELEASES), Serdes.String(), Serdes.ByteArray())
                        .withLoggingDisabled(),
                topics.releases(), Consumed.with(Serdes.String(), Serdes.ByteArray()).withName("releases-source"), ReleasesUpdater::new);

        ValidateProcessor.Text text = ValidateProcessor.Text.keepIf(semantic.enabled());
        Map<String, KStream<byte[], Routed>> routes = builder
                .stream(topics.tokens(), Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("tokens-source"))
                .processValues(() -> new ValidateProcessor(vocabulary, config.statistics().limits(), observer,
                        ValidateProcessor.Input.FIRST_READ, text), Named.as("validate"))
                .split(Named.as("route-"))
                .branch((key, routed) -> routed.rejected(), Branched.as("rejected"))
                .branch((key, routed) -> routed.needsRekey(key), Branched.as("rekey"))
                .defaultBranch(Branched.as("keyed"));

        KStream<byte[], Routed> rekeyed = routes.get("route-rekey")
                .selectKey((key, routed) -> routed.rolloutKey(), Named.as("key-by-rollout"))
                .mapValues(Routed::raw, Named.as("rekey-original-bytes"))
                .repartition(Repartitioned.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("tokens-by-rollout"))
                .processValues(() -> new ValidateProcessor(vocabulary, config.statistics().limits(), observer,
                        ValidateProcessor.Input.REKEYED, text), Named.as("validate-rekeyed"));

        int textChars = semantic.enabled() ? semantic.maxChars() : 0;
        String[] assemblyStores = semantic.enabled() ? new String[] {StoreNames.IN_FLIGHT, StoreNames.TEXTS_IN_FLIGHT} : new String[] {StoreNames.IN_FLIGHT};
        Map<String, KStream<String, Finished>> assembly = routes.get("route-keyed")
                .merge(rekeyed, Named.as("merge-keyed"))
                .process(() -> new AssembleProcessor(config.idleTimeout(), observer, textChars), Named.as("assemble"), assemblyStores)
                .split(Named.as("assembled-"))
                .branch((key, f) -> f.isRejected(), Branched.as("rejected"))
                .defaultBranch(Branched.as("rollouts"));
        KStream<String, Finished> assembled = assembly.get("assembled-rollouts");

        // rejected by the parser, or at assembly (beyond_final): dead letters, counted by reason
        KStream<byte[], Routed> rejected = routes.get("route-rejected");
        KStream<byte[], byte[]> rejectedAtAssembly = assembly.get("assembled-rejected")
                .map((rolloutId, f) -> KeyValue.pair(rolloutId.getBytes(java.nio.charset.StandardCharsets.UTF_8), f.deadLetter()),
                        Named.as("assembly-dlq-bytes"));
        rejected.mapValues(Routed::raw, Named.as("dlq-original-bytes"))
                .merge(rejectedAtAssembly, Named.as("merge-dead-letters"))
                .to(topics.deadLetter(), Produced.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("dlq-sink"));
        rejected.mapValues(routed -> routed.result().reason().code(), Named.as("reject-reason"))
                .merge(rejectedAtAssembly.mapValues(raw -> dev.canopy.core.events.RejectReason.BEYOND_FINAL.code(), Named.as("assembly-reject-reason")),
                        Named.as("merge-reject-reasons"))
                .groupBy((key, reason) -> reason, Grouped.with("rejections-by-reason", Serdes.String(), Serdes.String()))
                .count(Named.as("count-rejections"), Materialized.<String, Long, KeyValueStore<Bytes, byte[]>>as(StoreNames.REJECTIONS)
                        .withKeySerde(Serdes.String()).withValueSerde(Serdes.Long()));
        KStream<String, CompletedRollout> finished = assembled.mapValues(Finished::rollout, Named.as("without-text"));

        finished.filter((group, rollout) -> !rollout.abandoned(), Named.as("completed-only"))
                .map((group, rollout) -> KeyValue.pair(rollout.rolloutId(), RolloutSerde.toJson(rollout)),
                        Named.as("rollout-json"))
                .to(topics.rollouts(), Produced.with(Serdes.String(), Serdes.ByteArray()).withName("rollouts-sink"));

        finished.repartition(Repartitioned.with(Serdes.String(), RolloutSerde.binary()).withName("rollouts-by-release"))
                .process(() -> new AggregateProcessor(config, observer), Named.as("aggregate"),
                        StoreNames.GROUPS, StoreNames.PENDING, StoreNames.SLICES, StoreNames.WINDOWS,
                        StoreNames.PROVISIONAL_WINDOWS, StoreNames.RELEASE_METRICS)
                .to(topics.metrics(), Produced.with(Serdes.String(), Serdes.ByteArray()).withName("metrics-sink"));

        Map<String, KStream<String, ShiftProcessor.Output>> shifts = finished
                .selectKey((group, rollout) -> rollout.model(), Named.as("key-by-model"))
                .repartition(Repartitioned.with(Serdes.String(), RolloutSerde.binary()).withName("rollouts-by-model"))
                .process(() -> new ShiftProcessor(config), Named.as("detect-shifts"), StoreNames.SHIFT_STATS, StoreNames.SHIFT_RESULTS)
                .split(Named.as("shift-"))
                .branch((key, out) -> out.release(), Branched.as("release"))
                .defaultBranch(Branched.as("alert"));
        shifts.get("shift-release").mapValues(ShiftProcessor.Output::json, Named.as("release-json"))
                .to(topics.releases(), Produced.with(Serdes.String(), Serdes.ByteArray()).withName("releases-sink"));
        shifts.get("shift-alert").mapValues(ShiftProcessor.Output::json, Named.as("alert-json"))
                .to(topics.alerts(), Produced.with(Serdes.String(), Serdes.ByteArray()).withName("alerts-sink"));

        if (semantic.enabled()) {
            EmbeddingBudget budget = new EmbeddingBudget(semantic.maxRate());
            assembled.filter((group, f) -> !f.rollout().abandoned(), Named.as("completed-with-text"))
                    .repartition(Repartitioned.with(Serdes.String(), RolloutSerde.withText()).withName("texts-by-release"))
                    .process(() -> new SemanticProcessor(semantic, embedder, budget, observer), Named.as("embed"),
                            StoreNames.SEMANTIC_SAMPLES, StoreNames.SEMANTIC_PROMPTS, StoreNames.SEMANTIC_COUNTS, StoreNames.SEMANTIC_BACKLOG)
                    .to(topics.metrics(), Produced.with(Serdes.String(), Serdes.ByteArray()).withName("semantic-metrics-sink"));
        }
        return builder.build();
    }

    /**
     * A store of string keys and byte values, cached and changelogged. The {@link #LARGE_VALUE_STORES} hold
     * whole accumulators (a release, a slice, a window): up to {@code canopy.pair.capacity} (N, r) pairs of 20
     * bytes per prompt, so one value passes Kafka's default 1 MiB record limit at about 50,000 pairs (for
     * example 64 prompts with 800 rollouts each); their changelogs are created accepting records up to
     * {@link #MAX_STATE_RECORD_BYTES}.
     */
    private static StoreBuilder<KeyValueStore<String, byte[]>> store(String name) {
        Map<String, String> changelog = LARGE_VALUE_STORES.contains(name)
                ? Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(MAX_STATE_RECORD_BYTES))
                : Map.of();
        return Stores.keyValueStoreBuilder(
                        Stores.persistentKeyValueStore(name), Serdes.String(), Serdes.ByteArray())
                .withCachingEnabled()
                .withLoggingEnabled(changelog);
    }

    /**
     * A store of values the aggregate recomputes from the changelogged stores (see {@link StoreNames}): in memory,
     * not changelogged (nothing to restore, nothing sent to the broker), not cached (each value is written once
     * per emit and read by queries, so a cache would only hold a second copy).
     */
    private static StoreBuilder<KeyValueStore<String, byte[]>> derived(String name) {
        return Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(name), Serdes.String(), Serdes.ByteArray())
                .withCachingDisabled()
                .withLoggingDisabled();
    }

    /** The changelog topics created with {@link #MAX_STATE_RECORD_BYTES}, for an application id. */
    public static List<String> largeValueChangelogs(String applicationId) {
        return LARGE_VALUE_STORES.stream().map(store -> applicationId + "-" + store + "-changelog").toList();
    }
}
