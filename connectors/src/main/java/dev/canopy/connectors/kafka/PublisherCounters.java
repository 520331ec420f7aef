package dev.canopy.connectors.kafka;

import dev.canopy.connectors.events.Rejection;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/** What a {@link KafkaEventPublisher} counts, and its Prometheus series (names in {@link KafkaEventPublisher}). */
final class PublisherCounters {

    /** Records Kafka acknowledged. */
    final AtomicLong published = new AtomicLong();
    /** Bytes (key + value) of the records waiting in the queue. */
    final AtomicLong queuedBytes = new AtomicLong();
    private final Map<KafkaEventPublisher.DropReason, AtomicLong> dropped = new EnumMap<>(KafkaEventPublisher.DropReason.class);
    private final Map<Rejection.Reason, AtomicLong> rejected = new EnumMap<>(Rejection.Reason.class);

    PublisherCounters() {
        for (KafkaEventPublisher.DropReason r : KafkaEventPublisher.DropReason.values()) {
            dropped.put(r, new AtomicLong());
        }
        for (Rejection.Reason r : Rejection.Reason.values()) {
            rejected.put(r, new AtomicLong());
        }
    }

    void drop(KafkaEventPublisher.DropReason reason) {
        dropped.get(reason).incrementAndGet();
    }

    long dropped(KafkaEventPublisher.DropReason reason) {
        return dropped.get(reason).get();
    }

    long droppedTotal() {
        long n = 0;
        for (AtomicLong a : dropped.values()) {
            n += a.get();
        }
        return n;
    }

    void reject(Rejection.Reason reason) {
        rejected.get(reason).incrementAndGet();
    }

    long rejected(Rejection.Reason reason) {
        return rejected.get(reason).get();
    }

    /**
     * Registers the publisher's series, read when scraped.
     *
     * @param bufferBytes  the queue bound the fill ratio is relative to
     * @param topicMissing whether Kafka says the topic does not exist
     */
    void register(PrometheusRegistry registry, long bufferBytes, BooleanSupplier topicMissing) {
        CounterWithCallback.builder().name(KafkaEventPublisher.PUBLISHED).help("Token events acknowledged by Kafka")
                .callback(cb -> cb.call(published.get())).register(registry);
        CounterWithCallback.builder().name(KafkaEventPublisher.DROPPED).help("Token events not published, by reason")
                .labelNames("reason")
                .callback(cb -> dropped.forEach((r, n) -> cb.call(n.get(), r.code()))).register(registry);
        CounterWithCallback.builder().name(KafkaEventPublisher.REJECTED).help("Server-reported steps or payloads that gave no event, by reason")
                .labelNames("reason")
                .callback(cb -> rejected.forEach((r, n) -> cb.call(n.get(), r.code()))).register(registry);
        GaugeWithCallback.builder().name(KafkaEventPublisher.BUFFER_BYTES).help("Bytes of token events waiting for the Kafka producer")
                .callback(cb -> cb.call(queuedBytes.get())).register(registry);
        GaugeWithCallback.builder().name(KafkaEventPublisher.BUFFER_FILL).help("Share of the event buffer in use (0..1)")
                .callback(cb -> cb.call((double) queuedBytes.get() / bufferBytes)).register(registry);
        GaugeWithCallback.builder().name(KafkaEventPublisher.TOPIC_MISSING)
                .help("1 while Kafka says the topic does not exist (events wait; see the log)")
                .callback(cb -> cb.call(topicMissing.getAsBoolean() ? 1 : 0)).register(registry);
    }
}
