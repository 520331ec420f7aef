package dev.canopy.connectors.kafka;

import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Properties;
import java.util.function.Function;

/**
 * The publisher's Kafka producer, created when first needed and again after it was closed; a creation
 * that fails (an unresolvable bootstrap address, say) is retried 5 s later at the earliest, so that
 * constructing a publisher never fails because Kafka is unreachable. Used by the sender thread only.
 */
final class ProducerSlot {

    private static final Logger LOG = LoggerFactory.getLogger(ProducerSlot.class);
    private static final long RETRY_CREATE_MS = 5_000;

    private final KafkaEventPublisher.Settings settings;
    private final Function<Properties, Producer<byte[], byte[]>> factory;
    private final ThrottledWarning warning;
    private Producer<byte[], byte[]> producer;
    private long nextCreateAttempt;

    ProducerSlot(KafkaEventPublisher.Settings settings, Function<Properties, Producer<byte[], byte[]>> factory,
                 ThrottledWarning warning) {
        this.settings = settings;
        this.factory = factory;
        this.warning = warning;
    }

    /**
     * The producer settings: Canopy's defaults, overridden by every key of the given client properties,
     * with the bootstrap servers and the serializers always set here.
     */
    static Properties producerProperties(KafkaEventPublisher.Settings settings) {
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
        return p;
    }

    /** The producer if there is one now, else null (never creates one). */
    Producer<byte[], byte[]> current() {
        return producer;
    }

    /** The producer, created if there is none; null while it cannot be created. */
    Producer<byte[], byte[]> get() {
        if (producer == null) {
            producer = create();
        }
        return producer;
    }

    private Producer<byte[], byte[]> create() {
        long now = System.currentTimeMillis();
        if (now < nextCreateAttempt) {
            return null;
        }
        try {
            return factory.apply(producerProperties(settings));
        } catch (RuntimeException e) {
            nextCreateAttempt = now + RETRY_CREATE_MS;
            warning.warn("cannot create the Kafka producer ({}); retrying in 5 s, dropping events meanwhile", e.getMessage());
            return null;
        }
    }

    /** Closes the producer, if any, waiting at most {@code timeout}; the next {@link #get()} creates a new one. */
    void close(Duration timeout) {
        if (producer != null) {
            try {
                producer.close(timeout);
            } catch (RuntimeException e) {
                LOG.warn("Closing the Kafka producer failed: {}", e.toString());
            }
            producer = null;
        }
    }
}
