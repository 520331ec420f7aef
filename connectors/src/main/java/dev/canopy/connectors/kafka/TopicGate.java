package dev.canopy.connectors.kafka;

import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Holds the sender back while Kafka says the topic does not exist. Before the first record, and again
 * whenever a send fails in a way a missing topic would explain, the publisher asks Kafka (a
 * {@link TopicCheck}) whether the topic exists, and if not, asks the producer for its metadata once (a
 * cluster with {@code auto.create.topics.enable} creates it then). While Kafka says it does not exist,
 * nothing is sent: an error names the topic and how to create it (every minute while it lasts), and the
 * topic is asked for again every 2 seconds. A check that cannot tell (no connection, no permission)
 * lets publishing go ahead.
 */
final class TopicGate implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TopicGate.class);
    private static final long RECHECK_MS = 2_000;
    private static final long ERROR_INTERVAL_MS = 60_000;
    /** How often the wait for the next check looks whether the publisher is closing. */
    private static final long CLOSING_POLL_MS = 50;

    private final String topic;
    private final TopicCheck check;
    private final String missingMessage;
    private final BooleanSupplier closing;
    /** Kafka said the topic does not exist, and has not said otherwise since. */
    private volatile boolean missing;
    /** A send failed in a way a missing topic explains (or nothing was sent yet): check before the next send. */
    private volatile boolean checkNeeded = true;
    private long lastError;

    /**
     * @param missingMessage the error logged while the topic is missing
     * @param closing        whether the publisher is closing (ends the wait)
     */
    TopicGate(String topic, TopicCheck check, String missingMessage, BooleanSupplier closing) {
        this.topic = topic;
        this.check = check;
        this.missingMessage = missingMessage;
        this.closing = closing;
    }

    /** Whether Kafka said, at the last check, that the topic does not exist. */
    boolean missing() {
        return missing;
    }

    /** Whether the topic must be checked before the next send. */
    boolean checkNeeded() {
        return checkNeeded;
    }

    /** Takes note of a failed send: one a missing topic explains makes the next send check first. */
    void sendFailed(Throwable e) {
        if (mayBeMissing(e)) {
            checkNeeded = true;
        }
    }

    /**
     * Waits while Kafka says the topic does not exist, saying so; returns false if the publisher started
     * closing meanwhile. A check that cannot tell counts as "exists". While the topic is missing the
     * producer is closed: it would otherwise keep asking for the topic's metadata, warning each time; a
     * new one is made when the topic exists.
     */
    boolean await(ProducerSlot producers) throws InterruptedException {
        boolean askedProducer = missing;
        while (true) {
            if (closing.getAsBoolean() && missing) {
                return false;
            }
            Boolean exists = check.exists(topic);
            if (Boolean.FALSE.equals(exists) && !askedProducer) {
                askedProducer = true;
                if (createdOnFirstUse(producers.current())) {
                    exists = true;
                }
            }
            if (!Boolean.FALSE.equals(exists)) {
                checkNeeded = false;
                if (missing) {
                    missing = false;
                    LOG.info("canopy: Kafka topic '{}' exists now; publishing the waiting token events", topic);
                }
                return true;
            }
            if (!missing) {
                producers.close(Duration.ZERO);
            }
            long now = System.currentTimeMillis();
            if (!missing || now - lastError >= ERROR_INTERVAL_MS) {
                lastError = now;
                LOG.error(missingMessage);
            }
            missing = true;
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RECHECK_MS);
            while (System.nanoTime() < until) {
                if (closing.getAsBoolean()) {
                    return false;
                }
                Thread.sleep(CLOSING_POLL_MS);
            }
        }
    }

    /** A cluster with {@code auto.create.topics.enable} creates the topic when a producer asks for its metadata. */
    private boolean createdOnFirstUse(Producer<byte[], byte[]> producer) {
        if (producer == null) {
            return false;
        }
        try {
            return !producer.partitionsFor(topic).isEmpty();
        } catch (RuntimeException notCreated) {
            LOG.debug("metadata of {}: {}", topic, notCreated.toString());
            return false;
        }
    }

    /** Failures a missing topic explains: the producer waited for its metadata in vain, or was told it is unknown. */
    static boolean mayBeMissing(Throwable e) {
        return e instanceof UnknownTopicOrPartitionException
                || (e instanceof TimeoutException && String.valueOf(e.getMessage()).contains("metadata"));
    }

    /** Closes the topic check. */
    @Override
    public void close() {
        try {
            check.close();
        } catch (Exception e) {
            LOG.debug("closing the topic check failed: {}", e.toString());
        }
    }
}
