package dev.canopy.connectors.kafka;

import dev.canopy.connectors.events.Rejection;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(30)
class KafkaEventPublisherTest {

    private static final byte[] EVENT = "{\"model\":\"m\",\"release\":\"r\",\"rollout_id\":\"x:0\",\"position\":0,\"logprob\":-0.5}"
            .getBytes(StandardCharsets.UTF_8);

    /** A producer whose send() blocks until released, like KafkaProducer waiting for metadata. */
    private static final class StuckProducer extends MockProducer<byte[], byte[]> {
        final CountDownLatch release = new CountDownLatch(1);

        StuckProducer() {
            super(true, null, new ByteArraySerializer(), new ByteArraySerializer());
        }

        @Override
        public synchronized Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> record, Callback callback) {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return super.send(record, callback);
        }
    }

    private static KafkaEventPublisher.Settings settings(long buffer) {
        return new KafkaEventPublisher.Settings("127.0.0.1:9", "canopy.tokens", buffer, new Properties());
    }

    @Test
    void shouldNeverBlockTheCallerAndDropWhatExceedsTheBufferWhileKafkaIsStuck() throws Exception {
        StuckProducer producer = new StuckProducer();
        try (KafkaEventPublisher p = new KafkaEventPublisher(settings(10 * 1024), null, props -> producer)) {
            long t0 = System.nanoTime();
            for (int i = 0; i < 1000; i++) {
                p.publish("x:0", EVENT);
            }
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(1), "publish never waits for Kafka");
            long dropped = p.dropped(KafkaEventPublisher.DropReason.BUFFER_FULL);
            assertTrue(dropped > 800 && dropped < 1000, "about buffer / event size accepted, the rest dropped: " + dropped);
            assertTrue(p.bufferedBytes() <= 10 * 1024);
            producer.release.countDown();
            assertTrue(p.flush(Duration.ofSeconds(10)));
            assertEquals(1000 - dropped, p.published());
            assertEquals(1000 - dropped, producer.history().size());
            assertEquals("x:0", new String(producer.history().get(0).key(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void shouldCountRecordsKafkaRefusesAndRejectionsByReason() throws Exception {
        MockProducer<byte[], byte[]> producer = new MockProducer<>(false, null, new ByteArraySerializer(), new ByteArraySerializer());
        try (KafkaEventPublisher p = new KafkaEventPublisher(settings(1 << 20), null, props -> producer)) {
            p.publish("x:0", EVENT);
            p.publish("x:0", EVENT);
            p.reject(new Rejection("x:0", 3, Rejection.Reason.SENTINEL_LOGPROB));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (producer.history().size() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            producer.completeNext();
            producer.errorNext(new org.apache.kafka.common.errors.TimeoutException("expired"));
            assertTrue(p.flush(Duration.ofSeconds(5)));
            assertEquals(1, p.published());
            assertEquals(1, p.dropped(KafkaEventPublisher.DropReason.SEND_FAILED));
            assertEquals(1, p.rejected(Rejection.Reason.SENTINEL_LOGPROB));
        }
    }

    @Test
    void shouldCountWhatIsStillQueuedAtCloseAsDroppedAndRefuseLaterEvents() {
        StuckProducer producer = new StuckProducer();
        KafkaEventPublisher p = new KafkaEventPublisher(settings(1 << 20), null, props -> producer);
        for (int i = 0; i < 10; i++) {
            p.publish("x:0", EVENT);
        }
        p.close(Duration.ofMillis(200));
        p.publish("x:0", EVENT);
        assertEquals(11, p.droppedTotal() + p.published());
        assertEquals(0, p.bufferedBytes());
    }

    @Test
    void shouldKeepGoingWhenTheProducerCannotBeCreated() throws Exception {
        try (KafkaEventPublisher p = new KafkaEventPublisher(settings(1 << 20), null, props -> {
            throw new org.apache.kafka.common.config.ConfigException("No resolvable bootstrap urls given in bootstrap.servers");
        })) {
            p.publish("x:0", EVENT);
            assertTrue(p.flush(Duration.ofSeconds(5)));
            assertEquals(1, p.dropped(KafkaEventPublisher.DropReason.SEND_FAILED));
        }
    }

    /** A producer whose metadata request creates the topic, as on a cluster with auto.create.topics.enable. */
    private static final class AutoCreatingProducer extends MockProducer<byte[], byte[]> {
        final java.util.concurrent.atomic.AtomicBoolean created = new java.util.concurrent.atomic.AtomicBoolean();

        AutoCreatingProducer() {
            super(true, null, new ByteArraySerializer(), new ByteArraySerializer());
        }

        @Override
        public synchronized java.util.List<org.apache.kafka.common.PartitionInfo> partitionsFor(String topic) {
            created.set(true);
            return java.util.List.of(new org.apache.kafka.common.PartitionInfo(topic, 0, null, null, null));
        }
    }

    @Test
    void shouldLetAClusterThatCreatesTopicsOnFirstUseCreateItInsteadOfWaitingForever() throws Exception {
        AutoCreatingProducer producer = new AutoCreatingProducer();
        java.util.concurrent.atomic.AtomicInteger checks = new java.util.concurrent.atomic.AtomicInteger();
        TopicCheck neverThere = topic -> {
            checks.incrementAndGet();
            return false;
        };
        try (KafkaEventPublisher p = new KafkaEventPublisher(settings(1 << 20), null, props -> producer, neverThere)) {
            p.publish("x:0", EVENT);
            assertTrue(p.flush(Duration.ofSeconds(10)));
            assertEquals(1, p.published());
            assertTrue(producer.created.get(), "the producer was asked for the topic's metadata");
            assertTrue(!p.topicMissing());
            assertEquals(1, checks.get());
        }
    }

    @Test
    void shouldHoldEventsWhileTheTopicIsMissingAndCountThemAsShutdownIfClosedBeforeItAppears() throws Exception {
        MockProducer<byte[], byte[]> producer = new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer()) {
            @Override
            public synchronized java.util.List<org.apache.kafka.common.PartitionInfo> partitionsFor(String topic) {
                throw new org.apache.kafka.common.errors.TimeoutException("Topic " + topic + " not present in metadata after 5000 ms.");
            }
        };
        KafkaEventPublisher p = new KafkaEventPublisher(settings(1 << 20), null, props -> producer, topic -> false);
        for (int i = 0; i < 3; i++) {
            p.publish("x:0", EVENT);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!p.topicMissing() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertTrue(p.topicMissing());
        assertTrue(p.topicMissingMessage().contains("'canopy.tokens' does not exist on 127.0.0.1:9"), p.topicMissingMessage());
        assertEquals(0, p.droppedTotal(), "held, not dropped");
        p.close(Duration.ofSeconds(1));
        assertEquals(0, producer.history().size());
        assertEquals(3, p.dropped(KafkaEventPublisher.DropReason.SHUTDOWN));
    }
}
