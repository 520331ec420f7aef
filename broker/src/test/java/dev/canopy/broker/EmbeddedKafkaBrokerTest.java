package dev.canopy.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class EmbeddedKafkaBrokerTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @Test
    void startsOnFreeLoopbackPort_servesProduceAndConsume_andReleasesPortOnClose() throws Exception {
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().start();
        int port = broker.port();
        Path tempDir = broker.dataDir();
        try (broker) {
            assertTrue(port > 0);
            assertEquals("127.0.0.1:" + port, broker.bootstrapServers());
            assertTrue(Files.exists(tempDir.resolve("meta.properties")), "storage was formatted");

            try (Admin admin = admin(broker)) {
                admin.createTopics(List.of(new NewTopic("greetings", 2, (short) 1))).all().get();
                assertTrue(admin.listTopics().names().get().contains("greetings"));
            }
            try (KafkaProducer<String, String> producer = producer(broker, new Properties())) {
                for (int i = 0; i < 10; i++) {
                    producer.send(new ProducerRecord<>("greetings", "k" + i, "hello-" + i)).get();
                }
            }
            Properties groupProps = new Properties();
            groupProps.put(ConsumerConfig.GROUP_ID_CONFIG, "greeters");
            try (KafkaConsumer<String, String> consumer = consumer(broker, groupProps)) {
                consumer.subscribe(List.of("greetings"));
                List<ConsumerRecord<String, String>> records = pollUntil(consumer, 10);
                assertEquals(10, records.size());
                assertEquals(Set.of("hello-0", "hello-1", "hello-2", "hello-3", "hello-4",
                                "hello-5", "hello-6", "hello-7", "hello-8", "hello-9"),
                        records.stream().map(ConsumerRecord::value).collect(Collectors.toSet()));
                consumer.commitSync();
            }
        }
        assertTrue(portIsFree(port), "port " + port + " must be released after close()");
        assertFalse(Files.exists(tempDir), "temporary data dir must be deleted on close()");
        broker.close(); // idempotent
    }

    @Test
    void restartOnSameDataDirAndPort_keepsClusterIdTopicAndRecords(@TempDir Path dir) throws Exception {
        Path dataDir = dir.resolve("kafka");
        String clusterId;
        int port;
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().dataDir(dataDir).start()) {
            clusterId = broker.clusterId();
            port = broker.port();
            try (Admin admin = admin(broker)) {
                admin.createTopics(List.of(new NewTopic("durable", 1, (short) 1))).all().get();
            }
            try (KafkaProducer<String, String> producer = producer(broker, new Properties())) {
                for (int i = 0; i < 5; i++) {
                    producer.send(new ProducerRecord<>("durable", "k", "v" + i)).get();
                }
            }
        }
        assertTrue(Files.exists(dataDir.resolve("meta.properties")), "a caller's data dir is kept on close()");

        // Same port right after close: the listener must be rebindable (TIME_WAIT connections allowed).
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().dataDir(dataDir).port(port).start()) {
            assertEquals(clusterId, broker.clusterId());
            assertEquals(port, broker.port());
            try (Admin admin = admin(broker)) {
                assertEquals(clusterId, admin.describeCluster().clusterId().get());
                assertTrue(admin.listTopics().names().get().contains("durable"));
            }
            try (KafkaConsumer<String, String> consumer = consumer(broker, new Properties())) {
                TopicPartition tp = new TopicPartition("durable", 0);
                consumer.assign(List.of(tp));
                consumer.seekToBeginning(List.of(tp));
                List<String> values = pollUntil(consumer, 5).stream().map(ConsumerRecord::value).toList();
                assertEquals(List.of("v0", "v1", "v2", "v3", "v4"), values);
            }
        }
    }

    @Test
    void transactionalProducer_commitsExactlyOnceTransactionWithOffsetsOnSingleNode() throws Exception {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().start()) {
            try (Admin admin = admin(broker)) {
                admin.createTopics(List.of(new NewTopic("tx-in", 1, (short) 1), new NewTopic("tx-out", 1, (short) 1))).all().get();
            }
            Properties txProps = new Properties();
            txProps.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "tx-" + UUID.randomUUID());
            try (KafkaProducer<String, String> producer = producer(broker, txProps)) {
                producer.initTransactions();
                producer.beginTransaction();
                producer.send(new ProducerRecord<>("tx-out", "a", "aborted"));
                producer.abortTransaction();
                producer.beginTransaction();
                producer.send(new ProducerRecord<>("tx-out", "a", "committed-1"));
                producer.send(new ProducerRecord<>("tx-out", "b", "committed-2"));
                // As Kafka Streams exactly_once_v2 does: commit input offsets atomically with the output.
                producer.sendOffsetsToTransaction(Map.of(new TopicPartition("tx-in", 0), new OffsetAndMetadata(42)),
                        new ConsumerGroupMetadata("tx-app"));
                producer.commitTransaction();
            }
            try (Admin admin = admin(broker)) {
                // commitTransaction returns once the commit is decided; the group coordinator applies the
                // transaction's offsets when its marker reaches __consumer_offsets, a moment later
                TopicPartition in = new TopicPartition("tx-in", 0);
                OffsetAndMetadata committed = null;
                long deadline = System.nanoTime() + 10_000_000_000L;
                while (committed == null && System.nanoTime() < deadline) {
                    committed = admin.listConsumerGroupOffsets("tx-app").partitionsToOffsetAndMetadata().get().get(in);
                    if (committed == null) {
                        Thread.sleep(50);
                    }
                }
                assertNotNull(committed, "the transaction's offsets reach the group within 10 s");
                assertEquals(42, committed.offset());
            }
            Properties readCommitted = new Properties();
            readCommitted.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            try (KafkaConsumer<String, String> consumer = consumer(broker, readCommitted)) {
                TopicPartition tp = new TopicPartition("tx-out", 0);
                consumer.assign(List.of(tp));
                consumer.seekToBeginning(List.of(tp));
                List<String> values = pollUntil(consumer, 2).stream().map(ConsumerRecord::value).toList();
                assertEquals(List.of("committed-1", "committed-2"), values);
            }
        }
    }

    @Test
    void startOnPortAlreadyInUse_failsWithMessageNamingThePort() throws Exception {
        try (ServerSocket occupied = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            int port = occupied.getLocalPort();
            EmbeddedKafkaBroker.Builder builder = EmbeddedKafkaBroker.builder().port(port);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> builder.start().close());
            assertTrue(e.getMessage().contains(String.valueOf(port)), e.getMessage());
            assertTrue(e.getCause() != null, "the cause is kept");
        }
    }

    @Test
    void managedPropertiesCannotBeOverridden() {
        EmbeddedKafkaBroker.Builder builder = EmbeddedKafkaBroker.builder();
        assertThrows(IllegalArgumentException.class, () -> builder.property("listeners", "PLAINTEXT://0.0.0.0:9092"));
        assertThrows(IllegalArgumentException.class, () -> builder.port(70_000));
    }

    // ---------------------------------------------------------------- helpers

    private static Admin admin(EmbeddedKafkaBroker broker) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
    }

    private static KafkaProducer<String, String> producer(EmbeddedKafkaBroker broker, Properties extra) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "20000");
        p.putAll(extra);
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    private static KafkaConsumer<String, String> consumer(EmbeddedKafkaBroker broker, Properties extra) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.putAll(extra);
        return new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer());
    }

    private static List<ConsumerRecord<String, String>> pollUntil(KafkaConsumer<String, String> consumer, int count) {
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (out.size() < count && System.nanoTime() < deadline) {
            consumer.poll(Duration.ofMillis(200)).forEach(out::add);
        }
        return out;
    }

    private static boolean portIsFree(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
