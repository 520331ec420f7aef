package dev.canopy.topology;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.canopy.core.assembly.CompletedRollout;
import dev.canopy.core.stats.GroupKey;
import dev.canopy.core.stats.Hashing;
import dev.canopy.semantic.Embedder;
import dev.canopy.semantic.PromptSample;
import dev.canopy.semantic.SemanticAccumulator;
import dev.canopy.semantic.SemanticCodec;
import dev.canopy.semantic.SemanticCounts;
import dev.canopy.semantic.SemanticJson;
import dev.canopy.semantic.SemanticMetrics;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Semantic diversity per model and release (records keyed "model\0release"). For each completed
 * rollout with text it decides first, from an in-memory index of the stored samples, whether the
 * bounded sample would keep it (at most {@code perPrompt} rollouts a prompt by rollout-id hash, at most
 * {@code maxPrompts} prompts by prompt-id hash: the same sample as {@code canopy replay --semantic}),
 * and only then spends an embedding, if the instance's {@link EmbeddingBudget} allows. The prompt's
 * sample ({@link Stores#SEMANTIC_SAMPLES}) and its metrics ({@link Stores#SEMANTIC_PROMPTS}) are
 * written when they change, the release's counts ({@link Stores#SEMANTIC_COUNTS}) per rollout; all are
 * changelogged. A wall-clock punctuator emits the pooled metrics of changed releases to the metrics
 * topic as {@code "kind":"semantic"} records.
 *
 * <p>Embedding runs on the stream thread (a few ms a rollout on one core), which is why admission
 * comes first and the budget caps the rate: once prompts are full, a new rollout enters with
 * probability perPrompt/n, so embedding work grows with the log of the traffic per prompt.
 */
final class SemanticProcessor implements Processor<String, Finished, String, byte[]> {

    private static final JsonFactory JSON = new JsonFactory();

    private final SemanticSettings settings;
    private final Embedder embedder;
    private final EmbeddingBudget budget;
    private final TopologyObserver observer;
    private ProcessorContext<String, byte[]> context;
    private KeyValueStore<String, byte[]> samples;
    private KeyValueStore<String, byte[]> prompts;
    private KeyValueStore<String, byte[]> counts;
    /** Per release: kept prompts by prompt-id hash (unsigned order). */
    private final Map<String, TreeMap<Long, String>> keptPrompts = new HashMap<>();
    /** Per prompt key: {size, largest kept rollout-id hash}; what admission needs without reading the sample. */
    private final Map<String, long[]> index = new HashMap<>();
    private final Set<String> changed = new HashSet<>();

    SemanticProcessor(SemanticSettings settings, Embedder embedder, EmbeddingBudget budget, TopologyObserver observer) {
        this.settings = settings;
        this.embedder = embedder;
        this.budget = budget;
        this.observer = observer;
    }

    @Override
    public void init(ProcessorContext<String, byte[]> context) {
        this.context = context;
        this.samples = context.getStateStore(Stores.SEMANTIC_SAMPLES);
        this.prompts = context.getStateStore(Stores.SEMANTIC_PROMPTS);
        this.counts = context.getStateStore(Stores.SEMANTIC_COUNTS);
        try (KeyValueIterator<String, byte[]> it = samples.all()) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> kv = it.next();
                PromptSample s = PromptSample.fromBytes(kv.value, settings.perPrompt());
                remember(kv.key, s);
                keptPrompts.computeIfAbsent(groupOf(kv.key), g -> unsignedMap()).put(Hashing.hash64(promptOf(kv.key)), promptOf(kv.key));
            }
        }
        try (KeyValueIterator<String, byte[]> it = counts.all()) {
            while (it.hasNext()) {
                changed.add(it.next().key);
            }
        }
        context.schedule(Duration.ofSeconds(5), PunctuationType.WALL_CLOCK_TIME, this::emit);
    }

    private static TreeMap<Long, String> unsignedMap() {
        return new TreeMap<>(Long::compareUnsigned);
    }

    @Override
    public void process(Record<String, Finished> record) {
        CompletedRollout r = record.value().rollout();
        String text = record.value().text();
        String group = record.key();
        SemanticCounts c = counts(group);
        changed.add(group);
        if (text == null || text.isBlank()) {
            putCounts(group, c.plus(SemanticCounts.ONE_WITHOUT_TEXT));
            return;
        }
        String key = group + GroupKeys.SEP + r.promptId();
        long promptHash = Hashing.hash64(r.promptId());
        long rolloutHash = Hashing.hash64(r.rolloutId());
        TreeMap<Long, String> kept = keptPrompts.computeIfAbsent(group, g -> unsignedMap());
        long[] known = index.get(key);
        boolean admitted;
        if (known == null) {
            admitted = kept.size() < settings.maxPrompts() || Long.compareUnsigned(promptHash, kept.lastKey()) < 0;
        } else {
            admitted = known[0] < settings.perPrompt() || Long.compareUnsigned(rolloutHash, known[1]) < 0;
        }
        if (!admitted) {
            putCounts(group, c.plus(SemanticCounts.ONE_NOT_SAMPLED));
            return;
        }
        if (!budget.tryAcquire()) {
            putCounts(group, c.plus(SemanticCounts.ONE_OVER_BUDGET));
            return;
        }
        long t0 = System.nanoTime();
        float[] vector = embedder.embed(List.of(text))[0];
        observer.rolloutEmbedded((System.nanoTime() - t0) / 1e9);
        PromptSample sample;
        if (known == null) {
            if (kept.size() >= settings.maxPrompts()) {
                String evicted = kept.pollLastEntry().getValue();
                String evictedKey = group + GroupKeys.SEP + evicted;
                samples.delete(evictedKey);
                prompts.delete(evictedKey);
                index.remove(evictedKey);
            }
            kept.put(promptHash, r.promptId());
            sample = new PromptSample(settings.perPrompt());
        } else {
            sample = PromptSample.fromBytes(samples.get(key), settings.perPrompt());
        }
        if (sample.add(new SemanticAccumulator.Entry(rolloutHash, vector, r.length(), r.entropyRate()))) {
            samples.put(key, sample.toBytes());
            remember(key, sample);
            SemanticMetrics.Prompt p = SemanticMetrics.prompt(r.promptId(), sample.entries());
            if (p != null) {
                prompts.put(key, SemanticCodec.toBytes(p));
            }
        }
        putCounts(group, c.plus(SemanticCounts.ONE_EMBEDDED));
    }

    private void remember(String key, PromptSample s) {
        List<SemanticAccumulator.Entry> e = s.entries();
        index.put(key, new long[] {e.size(), e.isEmpty() ? 0 : e.get(e.size() - 1).hash()});
    }

    private SemanticCounts counts(String group) {
        byte[] b = counts.get(group);
        return b == null ? SemanticCounts.ZERO : decodeCounts(b);
    }

    private void putCounts(String group, SemanticCounts c) {
        counts.put(group, encodeCounts(c));
    }

    static byte[] encodeCounts(SemanticCounts c) {
        return ByteBuffer.allocate(32).putLong(c.withoutText()).putLong(c.embedded()).putLong(c.notSampled()).putLong(c.overBudget()).array();
    }

    static SemanticCounts decodeCounts(byte[] b) {
        ByteBuffer buf = ByteBuffer.wrap(b);
        return new SemanticCounts(buf.getLong(), buf.getLong(), buf.getLong(), buf.getLong());
    }

    private static String groupOf(String promptKey) {
        int i = promptKey.indexOf(GroupKeys.SEP);
        return promptKey.substring(0, promptKey.indexOf(GroupKeys.SEP, i + 1));
    }

    private static String promptOf(String promptKey) {
        int i = promptKey.indexOf(GroupKeys.SEP);
        return promptKey.substring(promptKey.indexOf(GroupKeys.SEP, i + 1) + 1);
    }

    /** The pooled metrics of one release from the prompt metrics in a store. */
    static SemanticMetrics pooled(org.apache.kafka.streams.state.ReadOnlyKeyValueStore<String, byte[]> prompts, String group,
                                  SemanticCounts c) {
        List<SemanticMetrics.Prompt> per = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = prompts.prefixScan(group + GroupKeys.SEP, Serdes.String().serializer())) {
            while (it.hasNext()) {
                per.add(SemanticCodec.promptFromBytes(it.next().value));
            }
        }
        return SemanticMetrics.pool(c.embedded(), per);
    }

    void emit(long now) {
        for (String group : changed) {
            GroupKey key = GroupKeys.parse(group);
            SemanticCounts c = counts(group);
            SemanticMetrics m = pooled(prompts, group, c);
            ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
            try (JsonGenerator g = JSON.createGenerator(out)) {
                g.writeStartObject();
                g.writeStringField("kind", "semantic");
                g.writeNumberField("emitted_at", now);
                g.writeStringField("model", key.model());
                g.writeStringField("release", key.release());
                SemanticJson.write(m, c, g);
                g.writeEndObject();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            context.forward(new Record<>(key.toString(), out.toByteArray(), now));
        }
        changed.clear();
    }
}
