package dev.canopy.connectors.kafka;

import dev.canopy.connectors.events.Rejection;
import dev.canopy.connectors.events.TokenEventSink;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * A {@link TokenEventSink} that publishes to a Kafka topic (record key = rollout id) without ever
 * blocking the caller.
 *
 * <p><b>How.</b> {@link #publish} only appends to an in-memory queue bounded in bytes
 * ({@code bufferBytes}); one background thread moves records from the queue into a
 * {@link KafkaProducer}. When Kafka is slow or down, the producer's own buffer fills, its {@code send}
 * blocks that thread (at most {@code max.block.ms}, 5 s by default here), the queue fills, and further
 * events are <em>dropped and counted</em> ({@code buffer_full}). Records the producer cannot deliver within
 * {@code delivery.timeout.ms} (30 s here) are dropped and counted too ({@code send_failed}). The producer
 * is created by the background thread and re-created after a failure (an unresolvable bootstrap address,
 * say), so construction never fails because Kafka is unreachable ({@link ProducerSlot}).
 *
 * <p><b>A missing topic</b> ({@link TopicGate}). Before its first record, and again whenever a send fails in a way a missing
 * topic would explain, the publisher asks Kafka (an admin client) whether the topic exists, and if not,
 * asks the producer for its metadata once (a cluster with {@code auto.create.topics.enable} creates it
 * then). While Kafka says it does not exist, nothing is sent: an error names the topic and how to create it (every minute while
 * it lasts), {@code canopy_connector_topic_missing} is 1, events wait in the buffer (and drop as
 * {@code buffer_full} when it is full), and the topic is asked for again every 2 seconds; once it exists
 * the waiting events are published. A check that cannot tell (no connection, no permission) lets
 * publishing go ahead as before.
 *
 * <p><b>Guarantees and limits.</b> At most once: a record is published once or counted as dropped
 * (records still queued when {@link #close} gives up are counted as {@code shutdown}). Order is kept per
 * rollout as long as nothing is dropped. Memory: {@code bufferBytes} of queued records (value + key
 * bytes) plus the producer's {@code buffer.memory} (32 MB by default). Retries inside the producer keep
 * Kafka's defaults (idempotent, {@code acks=all}).
 *
 * <p>Producer settings: {@code bootstrap.servers} and the serializers are set here; defaults here
 * {@code client.id=canopy-connector}, {@code linger.ms=20}, {@code max.block.ms=5000},
 * {@code request.timeout.ms=10000}, {@code delivery.timeout.ms=30000}; every other key of the given
 * properties (TLS, SASL, compression, ...) is passed to the producer and overrides these defaults.
 *
 * <p><b>Metrics</b> (when a registry is given):
 * <pre>
 * canopy_connector_events_published_total 1042.0
 * canopy_connector_events_dropped_total{reason="buffer_full"} 0.0
 * canopy_connector_events_dropped_total{reason="send_failed"} 0.0
 * canopy_connector_events_dropped_total{reason="shutdown"} 0.0
 * canopy_connector_steps_rejected_total{reason="sentinel_logprob"} 2.0
 * canopy_connector_event_buffer_bytes 0.0
 * canopy_connector_event_buffer_fill_ratio 0.0
 * canopy_connector_topic_missing 0.0
 * </pre>
 * Thread-safe.
 */
public final class KafkaEventPublisher implements TokenEventSink, AutoCloseable {

    /** Metric names (constants, units in the names). */
    public static final String PUBLISHED = "canopy_connector_events_published";
    public static final String DROPPED = "canopy_connector_events_dropped";
    public static final String REJECTED = "canopy_connector_steps_rejected";
    public static final String BUFFER_BYTES = "canopy_connector_event_buffer_bytes";
    public static final String BUFFER_FILL = "canopy_connector_event_buffer_fill_ratio";
    public static final String TOPIC_MISSING = "canopy_connector_topic_missing";

    /** Why an event was not published. */
    public enum DropReason {
        /** The in-memory buffer was full (Kafka slow or unreachable). */
        BUFFER_FULL("buffer_full"),
        /** The producer failed to send it (timeout, authorisation, unknown topic...). */
        SEND_FAILED("send_failed"),
        /** Still queued when the publisher closed. */
        SHUTDOWN("shutdown");

        private final String code;

        DropReason(String code) {
            this.code = code;
        }

        public String code() {
            return code;
        }
    }

    /**
     * @param bootstrapServers Kafka bootstrap servers
     * @param topic            the token topic (normally {@code canopy.tokens})
     * @param bufferBytes      bound of the in-memory queue, in bytes of key + value
     * @param clientProperties producer settings passed through (may be empty)
     */
    public record Settings(String bootstrapServers, String topic, long bufferBytes, Properties clientProperties) {
        public Settings {
            Objects.requireNonNull(bootstrapServers, "bootstrapServers");
            Objects.requireNonNull(topic, "topic");
            if (bootstrapServers.isBlank()) {
                throw new IllegalArgumentException("bootstrap servers must not be empty");
            }
            if (topic.isBlank()) {
                throw new IllegalArgumentException("topic must not be empty");
            }
            if (bufferBytes < 1024) {
                throw new IllegalArgumentException("event buffer must be at least 1024 bytes, got " + bufferBytes);
            }
            clientProperties = clientProperties == null ? new Properties() : (Properties) clientProperties.clone();
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(KafkaEventPublisher.class);
    private static final long WARN_INTERVAL_MS = 30_000;
    private static final Duration TOPIC_CHECK_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(5);
    /** How long the sender gets to close the producer when the publisher closes. */
    private static final Duration PRODUCER_CLOSE_TIMEOUT = Duration.ofSeconds(2);
    /** How long {@link #close(Duration)} waits for the sender after interrupting it. */
    private static final long SENDER_STOP_MS = 2_000;
    private static final long FLUSH_POLL_MS = 5;

    private record Pending(String key, byte[] value, long size) {
    }

    private static final Pending STOP = new Pending(null, null, 0);

    private final Settings settings;
    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final PublisherCounters counters = new PublisherCounters();
    /** Accepted into the queue and not yet acknowledged or dropped. */
    private final AtomicLong outstanding = new AtomicLong();
    private final ThrottledWarning warning = new ThrottledWarning(LOG, WARN_INTERVAL_MS);
    /** Sender thread only. */
    private final ProducerSlot producers;
    private final TopicGate topic;
    private final Thread sender;
    private volatile boolean closing;

    /** Starts the background sender. {@code registry} may be null (no metrics). */
    public KafkaEventPublisher(Settings settings, PrometheusRegistry registry) {
        this(settings, registry, KafkaProducer::new,
                TopicCheck.admin(settings.bootstrapServers(), settings.clientProperties(), TOPIC_CHECK_TIMEOUT));
    }

    /** With a producer factory and no topic check: for tests that need a {@code MockProducer}. */
    public KafkaEventPublisher(Settings settings, PrometheusRegistry registry,
                               Function<Properties, Producer<byte[], byte[]>> producerFactory) {
        this(settings, registry, producerFactory, TopicCheck.none());
    }

    /** With a producer factory and a topic check (closed with the publisher). */
    public KafkaEventPublisher(Settings settings, PrometheusRegistry registry,
                               Function<Properties, Producer<byte[], byte[]>> producerFactory, TopicCheck topicCheck) {
        this.settings = settings;
        producers = new ProducerSlot(settings, producerFactory, warning);
        topic = new TopicGate(settings.topic(), Objects.requireNonNull(topicCheck, "topicCheck"), topicMissingMessage(),
                () -> closing);
        if (registry != null) {
            counters.register(registry, settings.bufferBytes(), topic::missing);
        }
        sender = new Thread(this::run, "canopy-event-publisher");
        sender.setDaemon(true);
        sender.start();
    }

    /** Queues the record, or drops it (counted) when the buffer is full or the publisher is closing. Never blocks. */
    @Override
    public void publish(String rolloutId, byte[] record) {
        long size = record.length + (long) rolloutId.length();
        if (closing) {
            counters.drop(DropReason.SHUTDOWN);
            return;
        }
        if (counters.queuedBytes.addAndGet(size) > settings.bufferBytes()) {
            counters.queuedBytes.addAndGet(-size);
            counters.drop(DropReason.BUFFER_FULL);
            warning.warn("event buffer full ({} bytes): dropping token events until Kafka catches up", settings.bufferBytes());
            return;
        }
        outstanding.incrementAndGet();
        queue.add(new Pending(rolloutId, record, size));
    }

    /** Counts the rejection (nothing is published for it). */
    @Override
    public void reject(Rejection rejection) {
        counters.reject(rejection.reason());
    }

    public long published() {
        return counters.published.get();
    }

    public long dropped(DropReason reason) {
        return counters.dropped(reason);
    }

    public long droppedTotal() {
        return counters.droppedTotal();
    }

    public long rejected(Rejection.Reason reason) {
        return counters.rejected(reason);
    }

    public long bufferedBytes() {
        return counters.queuedBytes.get();
    }

    /** Whether Kafka said, at the last check, that the topic does not exist. */
    public boolean topicMissing() {
        return topic.missing();
    }

    /** The message logged while the topic is missing. */
    public String topicMissingMessage() {
        return "canopy: " + TopicCheck.missingMessage(settings.topic(), settings.bootstrapServers())
                + " Token events wait in the buffer until it exists.";
    }

    /**
     * Waits until everything queued so far has been acknowledged or dropped, at most {@code timeout}.
     * Returns whether it got there.
     */
    public boolean flush(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (outstanding.get() == 0) {
                return true;
            }
            Thread.sleep(FLUSH_POLL_MS);
        }
        return outstanding.get() == 0;
    }

    /**
     * Stops accepting events, tries for up to {@code timeout} to deliver what is queued, then closes
     * the producer; what is left is counted as dropped ({@code shutdown}). Idempotent.
     */
    public void close(Duration timeout) {
        if (closing) {
            return;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        closing = true;
        queue.add(STOP);
        try {
            sender.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (sender.isAlive()) {
            sender.interrupt();
            try {
                sender.join(SENDER_STOP_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        drainAsDropped();
    }

    /** {@link #close(Duration)} with 5 seconds. */
    @Override
    public void close() {
        close(DEFAULT_CLOSE_TIMEOUT);
    }

    private void run() {
        try {
            while (true) {
                Pending p = queue.take();
                if (p == STOP) {
                    break;
                }
                if (producers.get() != null && topic.checkNeeded() && !topic.await(producers)) {
                    settle(p, DropReason.SHUTDOWN);
                    continue;
                }
                // the gate closes the producer while the topic is missing: a new one is made now
                Producer<byte[], byte[]> producer = producers.get();
                if (producer == null) {
                    settle(p, DropReason.SEND_FAILED);
                    continue;
                }
                send(producer, p);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            topic.close();
            producers.close(closing ? PRODUCER_CLOSE_TIMEOUT : Duration.ZERO);
        }
    }

    private void send(Producer<byte[], byte[]> producer, Pending p) {
        AtomicBoolean settled = new AtomicBoolean();
        try {
            producer.send(new ProducerRecord<>(settings.topic(), p.key().getBytes(StandardCharsets.UTF_8), p.value()),
                    (metadata, exception) -> {
                        if (!settled.compareAndSet(false, true)) {
                            return;
                        }
                        if (exception == null) {
                            counters.published.incrementAndGet();
                        } else {
                            counters.drop(DropReason.SEND_FAILED);
                            topic.sendFailed(exception);
                            warning.warn("Kafka did not take token events: {}", exception.toString());
                        }
                        outstanding.decrementAndGet();
                    });
        } catch (RuntimeException e) {
            // send() throws (rather than calling back) on some client-side failures
            if (settled.compareAndSet(false, true)) {
                counters.drop(DropReason.SEND_FAILED);
                outstanding.decrementAndGet();
            }
            topic.sendFailed(e);
            warning.warn("Kafka did not take token events: {}", e.toString());
        } finally {
            release(p);
        }
    }

    /** Gives up on a queued record, counted as dropped for {@code reason}. */
    private void settle(Pending p, DropReason reason) {
        release(p);
        outstanding.decrementAndGet();
        counters.drop(reason);
    }

    private void release(Pending p) {
        counters.queuedBytes.addAndGet(-p.size());
    }

    private void drainAsDropped() {
        Pending p;
        while ((p = queue.poll()) != null) {
            if (p != STOP) {
                settle(p, DropReason.SHUTDOWN);
            }
        }
    }
}
