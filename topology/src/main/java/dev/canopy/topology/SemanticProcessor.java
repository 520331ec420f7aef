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
 * rollout with text it decides first, from an in-memory index, whether the bounded sample would keep
 * it (at most {@code perPrompt} rollouts a prompt by rollout-id hash, at most {@code maxPrompts}
 * prompts by prompt-id hash: the same sample as {@code canopy replay --semantic}). A rollout it keeps
 * joins the backlog ({@link StoreNames#SEMANTIC_BACKLOG}, at most {@code backlog} rollouts) and is embedded
 * as the instance's {@link EmbeddingBudget} allows, oldest first, on each record and on a punctuator.
 *
 * <p>The sample of a prompt is its embedded rollouts together with its waiting ones, and it is kept
 * as the bottom-k at each arrival: a smaller hash displaces the largest at once, whether that one is
 * waiting (it leaves the backlog without being embedded, counted as not sampled) or embedded (it
 * leaves the stored sample); a new prompt displaces the prompt with the largest hash the same way.
 * The sample is therefore the same set whatever the arrival order and whatever the budget, and once
 * the backlog is empty the numbers are replay's; the budget only delays them. Only a rollout arriving
 * when the backlog is full is dropped (counted as over budget), and only then can they differ.
 *
 * <p>The prompt's sample ({@link StoreNames#SEMANTIC_SAMPLES}) and its metrics ({@link StoreNames#SEMANTIC_PROMPTS})
 * are written when they change, the release's counts ({@link StoreNames#SEMANTIC_COUNTS}) when a rollout
 * gets its outcome; all are changelogged. A wall-clock punctuator emits the pooled metrics of changed
 * releases to the metrics topic as {@code "kind":"semantic"} records.
 *
 * <p>Embedding runs on the stream thread (a few ms a rollout on one core), which is why admission
 * comes first and the budget caps the rate: once prompts are full, a new rollout enters with
 * probability perPrompt/n, so embedding work grows with the log of the traffic per prompt.
 */
final class SemanticProcessor implements Processor<String, Finished, String, byte[]> {

    private static final JsonFactory JSON = new JsonFactory();
    /** How often the backlog is drained when no record arrives. */
    static final Duration DRAIN_INTERVAL = Duration.ofMillis(200);

    /** A rollout waiting for its embedding: where it belongs and its id hash (the text stays in the store). */
    private record Waiting(String promptKey, long hash) {
    }

    private final SemanticSettings settings;
    private final Embedder embedder;
    private final EmbeddingBudget budget;
    private final TopologyObserver observer;
    private ProcessorContext<String, byte[]> context;
    private RawInputRecords rawInput;
    private KeyValueStore<String, byte[]> samples;
    private KeyValueStore<String, byte[]> prompts;
    private KeyValueStore<String, byte[]> counts;
    private KeyValueStore<String, byte[]> backlog;
    /** Per release: kept prompts (with embedded or waiting rollouts) by prompt-id hash (unsigned order). */
    private final Map<String, TreeMap<Long, String>> keptPrompts = new HashMap<>();
    /** Per kept prompt key: {embedded rollouts, largest embedded rollout-id hash}; what admission needs without reading the sample. */
    private final Map<String, long[]> index = new HashMap<>();
    /** Per prompt key with waiting rollouts: rollout-id hash (unsigned order) -> backlog sequence. */
    private final Map<String, TreeMap<Long, Long>> waitingByPrompt = new HashMap<>();
    /** The backlog in the order it is embedded (sequence of arrival). */
    private final TreeMap<Long, Waiting> queue = new TreeMap<>();
    private long nextSequence;
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
        this.rawInput = RawInputRecords.of(context.appConfigs());
        this.samples = context.getStateStore(StoreNames.SEMANTIC_SAMPLES);
        this.prompts = context.getStateStore(StoreNames.SEMANTIC_PROMPTS);
        this.counts = context.getStateStore(StoreNames.SEMANTIC_COUNTS);
        this.backlog = context.getStateStore(StoreNames.SEMANTIC_BACKLOG);
        try (KeyValueIterator<String, byte[]> it = samples.all()) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> kv = it.next();
                PromptSample s = PromptSample.fromBytes(kv.value, settings.perPrompt());
                remember(kv.key, s);
                keep(kv.key);
            }
        }
        try (KeyValueIterator<String, byte[]> it = backlog.all()) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> kv = it.next();
                long sequence = Long.parseUnsignedLong(kv.key, 16);
                BacklogEntry e = BacklogEntry.fromBytes(kv.value);
                String key = e.group() + GroupKeys.SEP + e.promptId();
                enqueue(key, e.hash(), sequence);
                index.putIfAbsent(key, new long[] {0, 0});
                keep(key);
                nextSequence = Math.max(nextSequence, sequence + 1);
            }
        }
        try (KeyValueIterator<String, byte[]> it = counts.all()) {
            while (it.hasNext()) {
                changed.add(it.next().key);
            }
        }
        context.schedule(Duration.ofSeconds(5), PunctuationType.WALL_CLOCK_TIME, this::emit);
        context.schedule(DRAIN_INTERVAL, PunctuationType.WALL_CLOCK_TIME, now -> {
            drain(context.currentSystemTimeMs());
            observer.semanticBacklog(context.taskId().toString(), queue.size());
        });
    }

    @Override
    public void close() {
        // the task may move to another instance: stop reporting its backlog here
        observer.semanticBacklog(context.taskId().toString(), 0);
    }

    private void keep(String promptKey) {
        keptPrompts.computeIfAbsent(groupOf(promptKey), g -> unsignedMap()).put(Hashing.hash64(promptOf(promptKey)), promptOf(promptKey));
    }

    private void enqueue(String promptKey, long hash, long sequence) {
        waitingByPrompt.computeIfAbsent(promptKey, k -> new TreeMap<>(Long::compareUnsigned)).put(hash, sequence);
        queue.put(sequence, new Waiting(promptKey, hash));
    }

    private static TreeMap<Long, String> unsignedMap() {
        return new TreeMap<>(Long::compareUnsigned);
    }

    @Override
    public void process(Record<String, Finished> record) {
        rawInput.release(context);
        admit(record.key(), record.value());
        drain(context.currentSystemTimeMs());
    }

    /** Decides the rollout's place in the sample: not kept, waiting in the backlog, or dropped (backlog full). */
    private void admit(String group, Finished finished) {
        CompletedRollout r = finished.rollout();
        String text = finished.text();
        changed.add(group);
        if (text == null || text.isBlank()) {
            addCount(group, SemanticCounts.ONE_WITHOUT_TEXT);
            return;
        }
        String key = group + GroupKeys.SEP + r.promptId();
        long promptHash = Hashing.hash64(r.promptId());
        long rolloutHash = Hashing.hash64(r.rolloutId());
        TreeMap<Long, String> kept = keptPrompts.computeIfAbsent(group, g -> unsignedMap());
        long[] known = index.get(key);
        TreeMap<Long, Long> waiting = waitingByPrompt.get(key);
        int waitingCount = waiting == null ? 0 : waiting.size();
        String evictedPrompt = null;
        boolean displace = false;
        int freed = 0;
        PromptSample sample = null;
        if (known == null) {
            boolean full = kept.size() >= settings.maxPrompts();
            if (full && Long.compareUnsigned(promptHash, kept.lastKey()) >= 0) {
                addCount(group, SemanticCounts.ONE_NOT_SAMPLED);
                return;
            }
            if (full) {
                evictedPrompt = group + GroupKeys.SEP + kept.lastEntry().getValue();
                TreeMap<Long, Long> w = waitingByPrompt.get(evictedPrompt);
                freed = w == null ? 0 : w.size();
            }
        } else {
            long size = known[0] + waitingCount;
            long largest = largest(known, waiting);
            if (waiting != null && waiting.containsKey(rolloutHash)) {
                addCount(group, SemanticCounts.ONE_NOT_SAMPLED);
                return;
            }
            if (size >= settings.perPrompt() && Long.compareUnsigned(rolloutHash, largest) >= 0) {
                addCount(group, SemanticCounts.ONE_NOT_SAMPLED);
                return;
            }
            if (known[0] > 0 && Long.compareUnsigned(rolloutHash, known[1]) <= 0) {
                sample = PromptSample.fromBytes(samples.get(key), settings.perPrompt());
                if (sample.contains(rolloutHash)) {
                    addCount(group, SemanticCounts.ONE_NOT_SAMPLED);
                    return;
                }
            }
            displace = size >= settings.perPrompt();
            freed = displace && waiting != null && Long.compareUnsigned(waiting.lastKey(), largest) == 0 ? 1 : 0;
        }
        if (queue.size() - freed >= settings.backlog()) {
            addCount(group, SemanticCounts.ONE_OVER_BUDGET);
            return;
        }
        if (evictedPrompt != null) {
            evictPrompt(group, evictedPrompt);
        }
        if (known == null) {
            kept.put(promptHash, r.promptId());
            index.put(key, new long[] {0, 0});
        } else if (displace) {
            displaceLargest(group, key, sample);
        }
        long sequence = nextSequence++;
        backlog.put(sequenceKey(sequence), new BacklogEntry(group, r.promptId(), rolloutHash, r.length(), r.entropyRate(), text).toBytes());
        enqueue(key, rolloutHash, sequence);
    }

    /** The largest hash of a prompt's sample, embedded or waiting (unsigned). */
    private static long largest(long[] known, TreeMap<Long, Long> waiting) {
        if (waiting == null || waiting.isEmpty()) {
            return known[1];
        }
        if (known[0] == 0) {
            return waiting.lastKey();
        }
        return Long.compareUnsigned(known[1], waiting.lastKey()) >= 0 ? known[1] : waiting.lastKey();
    }

    /** A smaller hash arrived for a full prompt: its largest rollout, waiting or embedded, leaves the sample. */
    private void displaceLargest(String group, String key, PromptSample loaded) {
        long[] known = index.get(key);
        TreeMap<Long, Long> waiting = waitingByPrompt.get(key);
        long largest = largest(known, waiting);
        if (waiting != null && !waiting.isEmpty() && Long.compareUnsigned(waiting.lastKey(), largest) == 0) {
            forget(key, waiting.lastEntry().getValue(), largest);
            addCount(group, SemanticCounts.ONE_NOT_SAMPLED);
            return;
        }
        PromptSample sample = loaded != null ? loaded : PromptSample.fromBytes(samples.get(key), settings.perPrompt());
        sample.removeLargest();
        store(key, sample);
    }

    /** Removes a waiting rollout from the backlog without embedding it. */
    private void forget(String key, long sequence, long hash) {
        backlog.delete(sequenceKey(sequence));
        queue.remove(sequence);
        TreeMap<Long, Long> waiting = waitingByPrompt.get(key);
        waiting.remove(hash);
        if (waiting.isEmpty()) {
            waitingByPrompt.remove(key);
        }
    }

    /** A prompt with a smaller hash arrived in a full release: the largest prompt leaves, with its waiting rollouts. */
    private void evictPrompt(String group, String evictedKey) {
        keptPrompts.get(group).pollLastEntry();
        samples.delete(evictedKey);
        prompts.delete(evictedKey);
        index.remove(evictedKey);
        TreeMap<Long, Long> waiting = waitingByPrompt.get(evictedKey);
        if (waiting != null) {
            for (Map.Entry<Long, Long> w : new ArrayList<>(waiting.entrySet())) {
                forget(evictedKey, w.getValue(), w.getKey());
                addCount(group, SemanticCounts.ONE_NOT_SAMPLED);
            }
        }
    }

    /** Embeds waiting rollouts, oldest first, while the budget allows. */
    void drain(long nowMillis) {
        while (!queue.isEmpty() && budget.tryAcquire(nowMillis)) {
            Map.Entry<Long, Waiting> first = queue.firstEntry();
            long sequence = first.getKey();
            String key = first.getValue().promptKey();
            BacklogEntry e = BacklogEntry.fromBytes(backlog.get(sequenceKey(sequence)));
            long t0 = System.nanoTime();
            float[] vector = embedder.embed(List.of(e.text()))[0];
            observer.rolloutEmbedded((System.nanoTime() - t0) / 1e9);
            forget(key, sequence, e.hash());
            long[] known = index.get(key);
            PromptSample sample = known[0] == 0 ? new PromptSample(settings.perPrompt()) : PromptSample.fromBytes(samples.get(key), settings.perPrompt());
            // always kept, except after a restart with a lower canopy.semantic.per.prompt (the stored sample was cut to it)
            if (sample.add(new SemanticAccumulator.Entry(e.hash(), vector, e.length(), e.rate()))) {
                store(key, sample);
            }
            addCount(e.group(), SemanticCounts.ONE_EMBEDDED);
            changed.add(e.group());
        }
    }

    /** Writes a prompt's embedded sample and its metrics (none below two rollouts). */
    private void store(String key, PromptSample sample) {
        remember(key, sample);
        if (sample.size() == 0) {
            samples.delete(key);
        } else {
            samples.put(key, sample.toBytes());
        }
        SemanticMetrics.Prompt p = SemanticMetrics.prompt(promptOf(key), sample.entries());
        if (p != null) {
            prompts.put(key, SemanticCodec.toBytes(p));
        } else {
            prompts.delete(key);
        }
    }

    private static String sequenceKey(long sequence) {
        return String.format("%016x", sequence);
    }

    private void remember(String key, PromptSample s) {
        List<SemanticAccumulator.Entry> e = s.entries();
        index.put(key, new long[] {e.size(), e.isEmpty() ? 0 : e.get(e.size() - 1).hash()});
    }

    private void addCount(String group, SemanticCounts one) {
        putCounts(group, counts(group).plus(one));
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
