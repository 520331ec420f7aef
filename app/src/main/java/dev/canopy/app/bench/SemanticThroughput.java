package dev.canopy.app.bench;

import dev.canopy.analysis.cli.Progress;
import dev.canopy.monitor.MonitorSettings;
import dev.canopy.semantic.Embedder;
import dev.canopy.semantic.SemanticCodec;
import dev.canopy.semantic.SemanticCounts;
import dev.canopy.topology.CanopyTopology;
import dev.canopy.topology.StoreNames;
import dev.canopy.topology.StoreReports;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The Canopy topology with semantic diversity on, over one workload already in its input topic: the
 * streaming measurement of the semantic stage ({@link SemanticCost}), beside {@link KafkaThroughput}'s
 * stages with it off.
 */
final class SemanticThroughput {

    /** How often {@link #canopySemantic} looks at the counts store once the rest is done. */
    static final Duration SEMANTIC_POLL = Duration.ofMillis(20);

    private SemanticThroughput() {
    }

    /**
     * The topology with semantic diversity on, over one workload.
     *
     * @param counts         what became of the completed rollouts, summed over releases (from the counts store)
     * @param embedSeconds   each embedding's time on the stream thread, as the topology reports it
     * @param keptRollouts   embedded rollouts held in the sample store at the end
     * @param keptPrompts    prompts with a sample at the end
     * @param sampleBytes    keys and values of the sample store
     * @param promptBytes    keys and values of the per-prompt metrics store
     */
    record SemanticSpan(KafkaThroughput.Span span, SemanticCounts counts, long waiting, double[] embedSeconds, long keptRollouts, long keptPrompts,
                        long sampleBytes, long promptBytes) {
    }

    /**
     * The Canopy topology with semantic diversity on ({@code settings} must say so), embedding with
     * {@code embedder}: done when every record was read, every rollout reached the aggregates and every
     * completed rollout was accounted for by the semantic stage (embedded, not sampled or over budget,
     * which the counts store tells, or waiting for the budget in the backlog store); they are polled
     * every {@link #SEMANTIC_POLL}, so the span may be that much longer than the work. Rollouts still
     * waiting at the end are the embedding work the budget put off.
     */
    static SemanticSpan canopySemantic(MonitorSettings settings, BenchEvents events, Embedder embedder, String label,
                                       PrintStream err) throws TimeoutException, InterruptedException {
        if (!settings.monitor().semantic().enabled()) {
            throw new IllegalArgumentException("semantic diversity is off in these settings");
        }
        MeteringObserver observer = new MeteringObserver();
        Meter read = observer.read;
        Meter measured = observer.measured;
        Meter embedded = observer.embedded;
        AtomicReference<SemanticCounts> seen = new AtomicReference<>(SemanticCounts.ZERO);
        KafkaStreams streams = new KafkaStreams(CanopyTopology.build(settings.monitor(), observer, embedder), settings.streamsProperties(null));
        try (streams;
             Progress ignored = new Progress(err, 2000, () -> {
                 SemanticCounts c = semanticCounts(streams);
                 if (c == null) {
                     c = seen.get();
                 } else {
                     seen.set(c);
                 }
                 return String.format("canopy bench: %s: %s of %s records read, %s of %s rollouts measured, %s through the semantic stage"
                                 + " (%s embedded)", label, Progress.count(read.count()), Progress.count(events.records()),
                         Progress.count(measured.count()), Progress.count(events.rollouts()), Progress.count(c.total()),
                         Progress.count(embedded.count()));
             })) {
            streams.start();
            long[] doneAt = {0};
            SemanticCounts[] last = {SemanticCounts.ZERO};
            long[] waiting = {0};
            KafkaThroughput.await(streams, () -> {
                if (read.count() < events.records() || measured.count() < events.rollouts()) {
                    return false;
                }
                SemanticCounts c = semanticCounts(streams);
                long w = backlog(streams);
                if (c == null || w < 0) {
                    return false;
                }
                last[0] = c;
                waiting[0] = w;
                if (c.total() + w < events.rollouts()) {
                    return false;
                }
                doneAt[0] = System.nanoTime();
                return true;
            }, KafkaThroughput.timeout(events), label, SEMANTIC_POLL);
            long end = Math.max(Math.max(read.lastNanos(), measured.lastNanos()), doneAt[0]);
            KafkaThroughput.Span span = new KafkaThroughput.Span(events.records(), events.tokens(), (end - read.firstNanos()) / 1e9, Math.max(0, read.count() - events.records()));
            ReadOnlyKeyValueStore<String, byte[]> samples = store(streams, StoreNames.SEMANTIC_SAMPLES);
            ReadOnlyKeyValueStore<String, byte[]> prompts = store(streams, StoreNames.SEMANTIC_PROMPTS);
            long[] sample = sizes(samples, true);
            long[] prompt = sizes(prompts, false);
            double[] seconds = observer.embedSeconds();
            SemanticSpan out = new SemanticSpan(span, last[0], waiting[0], seconds, sample[2], sample[0], sample[1], prompt[1]);
            streams.close(Duration.ofSeconds(30));
            return out;
        }
    }

    /** Rollouts waiting in the semantic backlog; -1 while the store cannot be queried. */
    private static long backlog(KafkaStreams streams) {
        if (streams.state() != KafkaStreams.State.RUNNING && streams.state() != KafkaStreams.State.REBALANCING) {
            return -1;
        }
        try {
            long n = 0;
            try (KeyValueIterator<String, byte[]> it = store(streams, StoreNames.SEMANTIC_BACKLOG).all()) {
                while (it.hasNext()) {
                    it.next();
                    n++;
                }
            }
            return n;
        } catch (InvalidStateStoreException e) {
            return -1;
        }
    }

    /** The semantic counts of every release, summed; null while the store cannot be queried (starting, rebalancing). */
    private static SemanticCounts semanticCounts(KafkaStreams streams) {
        if (streams.state() != KafkaStreams.State.RUNNING && streams.state() != KafkaStreams.State.REBALANCING) {
            return null;
        }
        try {
            SemanticCounts sum = SemanticCounts.ZERO;
            for (SemanticCodec.Result r : StoreReports.readSemantic(store(streams, StoreNames.SEMANTIC_PROMPTS),
                    store(streams, StoreNames.SEMANTIC_COUNTS)).values()) {
                sum = sum.plus(r.counts());
            }
            return sum;
        } catch (InvalidStateStoreException e) {
            return null;
        }
    }

    private static ReadOnlyKeyValueStore<String, byte[]> store(KafkaStreams streams, String name) {
        return streams.store(StoreQueryParameters.fromNameAndType(name, QueryableStoreTypes.<String, byte[]>keyValueStore()));
    }

    /**
     * {entries, bytes of keys (UTF-8) and values, and, for samples, the rollouts they hold (the count that
     * starts a {@code PromptSample}'s binary form)}.
     */
    private static long[] sizes(ReadOnlyKeyValueStore<String, byte[]> store, boolean samples) {
        long entries = 0;
        long bytes = 0;
        long rollouts = 0;
        try (KeyValueIterator<String, byte[]> it = store.all()) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> kv = it.next();
                entries++;
                bytes += kv.key.getBytes(StandardCharsets.UTF_8).length + kv.value.length;
                if (samples) {
                    rollouts += ByteBuffer.wrap(kv.value).getInt();
                }
            }
        }
        return new long[] {entries, bytes, rollouts};
    }
}
