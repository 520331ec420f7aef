package dev.canopy.connectors.kafka;

import dev.canopy.connectors.events.Rejection;
import dev.canopy.connectors.events.TokenEventSink;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
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
 * say), so construction never fails because Kafka is unreachable.
 *
 * <p><b>A missing topic.</b> Before its first record, and again whenever a send fails in a way a missing
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
    private static final long RETRY_CREATE_MS = 5_000;
    private static final long WARN_INTERVAL_MS = 30_000;
    private static final long TOPIC_RECHECK_MS = 2_000;
    private static final long TOPIC_ERROR_INTERVAL_MS = 60_000;

    private record Pending(String key, byte[] value, long size) {
    }

    private static final Pending STOP = new Pending(null, null, 0);

    private final Settings settings;
    private final Function<Properties, Producer<byte[], byte[]>> producerFactory;
    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final AtomicLong queuedBytes = new AtomicLong();
    private final AtomicLong published = new AtomicLong();
    private final Map<DropReason, AtomicLong> dropped = new EnumMap<>(DropReason.class);
    private final Map<Rejection.Reason, AtomicLong> rejected = new EnumMap<>(Rejection.Reason.class);
    /** Accepted into the queue and not yet acknowledged or dropped. */
    private final AtomicLong outstanding = new AtomicLong();
    private final Thread sender;
    private final TopicCheck topicCheck;
    private volatile boolean closing;
    private volatile long lastWarn;
    /** Kafka said the topic does not exist, and has not said otherwise since. */
    private volatile boolean topicMissing;
    /** A send failed in a way a missing topic explains: check before the next send. */
    private volatile boolean checkTopic = true;
    private long lastTopicError;

    /** Starts the background sender. {@code registry} may be null (no metrics). */
    public KafkaEventPublisher(Settings settings, PrometheusRegistry registry) {
        this(settings, registry, KafkaProducer::new,
                TopicCheck.admin(settings.bootstrapServers(), settings.clientProperties(), Duration.ofSeconds(5)));
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
        this.producerFactory = producerFactory;
        this.topicCheck = Objects.requireNonNull(topicCheck, "topicCheck");
        for (DropReason r : DropReason.values()) {
            dropped.put(r, new AtomicLong());
        }
        for (Rejection.Reason r : Rejection.Reason.values()) {
            rejected.put(r, new AtomicLong());
        }
        if (registry != null) {
            register(registry);
        }
        sender = new Thread(this::run, "canopy-event-publisher");
        sender.setDaemon(true);
        sender.start();
    }

    private void register(PrometheusRegistry registry) {
        CounterWithCallback.builder().name(PUBLISHED).help("Token events acknowledged by Kafka")
                .callback(cb -> cb.call(published.get())).register(registry);
        CounterWithCallback.builder().name(DROPPED).help("Token events not published, by reason")
                .labelNames("reason")
                .callback(cb -> dropped.forEach((r, n) -> cb.call(n.get(), r.code()))).register(registry);
        CounterWithCallback.builder().name(REJECTED).help("Server-reported steps or payloads that gave no event, by reason")
                .labelNames("reason")
                .callback(cb -> rejected.forEach((r, n) -> cb.call(n.get(), r.code()))).register(registry);
        GaugeWithCallback.builder().name(BUFFER_BYTES).help("Bytes of token events waiting for the Kafka producer")
                .callback(cb -> cb.call(queuedBytes.get())).register(registry);
        GaugeWithCallback.builder().name(BUFFER_FILL).help("Share of the event buffer in use (0..1)")
                .callback(cb -> cb.call((double) queuedBytes.get() / settings.bufferBytes())).register(registry);
        GaugeWithCallback.builder().name(TOPIC_MISSING).help("1 while Kafka says the topic does not exist (events wait; see the log)")
                .callback(cb -> cb.call(topicMissing ? 1 : 0)).register(registry);
    }

    /** Queues the record, or drops it (counted) when the buffer is full or the publisher is closing. Never blocks. */
    @Override
    public void publish(String rolloutId, byte[] record) {
        long size = record.length + (long) rolloutId.length();
        if (closing) {
            dropped.get(DropReason.SHUTDOWN).incrementAndGet();
            return;
        }
        if (queuedBytes.addAndGet(size) > settings.bufferBytes()) {
            queuedBytes.addAndGet(-size);
            dropped.get(DropReason.BUFFER_FULL).incrementAndGet();
            warn("event buffer full ({} bytes): dropping token events until Kafka catches up", settings.bufferBytes());
            return;
        }
        outstanding.incrementAndGet();
        queue.add(new Pending(rolloutId, record, size));
    }

    /** Counts the rejection (nothing is published for it). */
    @Override
    public void reject(Rejection rejection) {
        rejected.get(rejection.reason()).incrementAndGet();
    }

    public long published() {
        return published.get();
    }

    public long dropped(DropReason reason) {
        return dropped.get(reason).get();
    }

    public long droppedTotal() {
        long n = 0;
        for (AtomicLong a : dropped.values()) {
            n += a.get();
        }
        return n;
    }

    public long rejected(Rejection.Reason reason) {
        return rejected.get(reason).get();
    }

    public long bufferedBytes() {
        return queuedBytes.get();
    }

    /** Whether Kafka said, at the last check, that the topic does not exist. */
    public boolean topicMissing() {
        return topicMissing;
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
            Thread.sleep(5);
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
                sender.join(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        drainAsDropped();
    }

    /** {@link #close(Duration)} with 5 seconds. */
    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }

    /** Sender thread only. */
    private Producer<byte[], byte[]> producer;

    private void run() {
        try {
            while (true) {
                Pending p = queue.take();
                if (p == STOP) {
                    break;
                }
                if (producer == null) {
                    producer = createProducer();
                }
                if (producer != null && checkTopic && !awaitTopic()) {
                    release(p);
                    outstanding.decrementAndGet();
                    dropped.get(DropReason.SHUTDOWN).incrementAndGet();
                    continue;
                }
                if (producer == null) {
                    producer = createProducer();
                }
                if (producer == null) {
                    release(p);
                    outstanding.decrementAndGet();
                    dropped.get(DropReason.SEND_FAILED).incrementAndGet();
                    continue;
                }
                send(producer, p);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            try {
                topicCheck.close();
            } catch (Exception e) {
                LOG.debug("closing the topic check failed: {}", e.toString());
            }
            closeProducer(Duration.ofSeconds(closing ? 2 : 0));
        }
    }

    private void closeProducer(Duration timeout) {
        if (producer != null) {
            try {
                producer.close(timeout);
            } catch (RuntimeException e) {
                LOG.warn("Closing the Kafka producer failed: {}", e.toString());
            }
            producer = null;
        }
    }

    /**
     * Waits while Kafka says the topic does not exist, saying so; returns false if the publisher started
     * closing meanwhile. A check that cannot tell counts as "exists".
     */
    private boolean awaitTopic() throws InterruptedException {
        boolean askedProducer = topicMissing;
        while (true) {
            if (closing && topicMissing) {
                return false;
            }
            Boolean exists = topicCheck.exists(settings.topic());
            if (Boolean.FALSE.equals(exists) && !askedProducer) {
                // a cluster with auto.create.topics.enable creates the topic when a producer asks for its metadata
                askedProducer = true;
                try {
                    if (!producer.partitionsFor(settings.topic()).isEmpty()) {
                        exists = true;
                    }
                } catch (RuntimeException notCreated) {
                    LOG.debug("metadata of {}: {}", settings.topic(), notCreated.toString());
                }
            }
            if (!Boolean.FALSE.equals(exists)) {
                checkTopic = false;
                if (topicMissing) {
                    topicMissing = false;
                    LOG.info("canopy: Kafka topic '{}' exists now; publishing the waiting token events", settings.topic());
                }
                return true;
            }
            if (!topicMissing) {
                // the producer would otherwise keep asking for the topic's metadata, warning each time; a new one is made when it exists
                closeProducer(Duration.ZERO);
            }
            long now = System.currentTimeMillis();
            if (!topicMissing || now - lastTopicError >= TOPIC_ERROR_INTERVAL_MS) {
                lastTopicError = now;
                LOG.error(topicMissingMessage());
            }
            topicMissing = true;
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TOPIC_RECHECK_MS);
            while (System.nanoTime() < until) {
                if (closing) {
                    return false;
                }
                Thread.sleep(50);
            }
        }
    }

    /** Failures a missing topic explains: the producer waited for its metadata in vain, or was told it is unknown. */
    private static boolean topicMayBeMissing(Throwable e) {
        return e instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException
                || (e instanceof org.apache.kafka.common.errors.TimeoutException && String.valueOf(e.getMessage()).contains("metadata"));
    }

    private long nextCreateAttempt;

    private Producer<byte[], byte[]> createProducer() {
        long now = System.currentTimeMillis();
        if (now < nextCreateAttempt) {
            return null;
        }
        Properties p = new Properties();
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "canopy-connector");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "5000");
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "30000");
        p.putAll(settings.clientProperties());
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        try {
            return producerFactory.apply(p);
        } catch (RuntimeException e) {
            nextCreateAttempt = now + RETRY_CREATE_MS;
            warn("cannot create the Kafka producer ({}); retrying in 5 s, dropping events meanwhile", e.getMessage());
            return null;
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
                            published.incrementAndGet();
                        } else {
                            dropped.get(DropReason.SEND_FAILED).incrementAndGet();
                            if (topicMayBeMissing(exception)) {
                                checkTopic = true;
                            }
                            warn("Kafka did not take token events: {}", exception.toString());
                        }
                        outstanding.decrementAndGet();
                    });
        } catch (RuntimeException e) {
            // send() throws (rather than calling back) on some client-side failures
            if (settled.compareAndSet(false, true)) {
                dropped.get(DropReason.SEND_FAILED).incrementAndGet();
                outstanding.decrementAndGet();
            }
            if (topicMayBeMissing(e)) {
                checkTopic = true;
            }
            warn("Kafka did not take token events: {}", e.toString());
        } finally {
            release(p);
        }
    }

    private void release(Pending p) {
        queuedBytes.addAndGet(-p.size());
    }

    private void drainAsDropped() {
        Pending p;
        while ((p = queue.poll()) != null) {
            if (p != STOP) {
                release(p);
                outstanding.decrementAndGet();
                dropped.get(DropReason.SHUTDOWN).incrementAndGet();
            }
        }
    }

    private void warn(String message, Object arg) {
        long now = System.currentTimeMillis();
        if (now - lastWarn >= WARN_INTERVAL_MS) {
            lastWarn = now;
            LOG.warn("canopy: " + message + " (further warnings of this publisher suppressed for 30 s)", arg);
        }
    }
}
