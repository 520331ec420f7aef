package dev.canopy.topology;

import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.internals.InternalProcessorContext;

import java.util.Map;

/**
 * Lets go of the bytes of the input record being processed, so that the store caches do not keep them.
 *
 * <p>Kafka Streams 4.x keeps each input record's serialized key and value in its record context, for the
 * dead-letter queue of its error handlers ({@code errors.dead.letter.queue.topic.name}). A write to a cached
 * store copies that context, bytes included, into the cache entry, and the cache does not count those bytes
 * against {@code statestore.cache.max.bytes}: every in-flight rollout's entry held the last token record
 * that touched it (about 3 KB with 20 top logprobs), so a 32 MiB cache held some 130 MB more of heap
 * ({@code canopy bench --workload production}, heap dump: 36,000 record contexts holding 112 MiB of
 * arrays of 1 to 16 KB).
 *
 * <p>Canopy sends the records it rejects to its own dead-letter topic, from the parsed record and with a
 * reason, and does not use those bytes. Only when a user configures Kafka Streams' own dead-letter queue
 * are they kept, since its records are made from them.
 */
final class RawInputRecords {

    private final boolean release;

    private RawInputRecords(boolean release) {
        this.release = release;
    }

    /** For a processor whose application has these settings ({@link ProcessorContext#appConfigs()}). */
    static RawInputRecords of(Map<String, Object> appConfigs) {
        Object dlq = appConfigs == null ? null : appConfigs.get(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG);
        return new RawInputRecords(dlq == null || dlq.toString().isBlank());
    }

    /** Whether the input's bytes are let go of (false when Kafka Streams' dead-letter queue needs them). */
    boolean releases() {
        return release;
    }

    /**
     * Lets go of the current input record's bytes; call before the first store write of {@code process}. A
     * context that is not Kafka Streams' own (a unit test's mock) has none to let go of.
     */
    void release(ProcessorContext<?, ?> context) {
        if (release && context instanceof InternalProcessorContext<?, ?> internal && internal.recordContext() != null) {
            internal.recordContext().freeRawRecord();
        }
    }
}
