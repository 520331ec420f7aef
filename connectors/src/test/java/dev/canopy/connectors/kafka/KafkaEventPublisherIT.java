package dev.canopy.connectors.kafka;

import dev.canopy.connectors.KafkaTestSupport;
import dev.canopy.testsupport.EmbeddedBroker;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The publisher against a real broker that, like Canopy's own and most clusters, does not create topics on first use. */
@Timeout(120)
class KafkaEventPublisherIT {

    @RegisterExtension
    static final EmbeddedBroker BROKER = new EmbeddedBroker();

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "waited 60 s for: " + what);
            Thread.sleep(50);
        }
    }

    private static String scrape(PrometheusRegistry registry) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new PrometheusTextFormatWriter(false).write(out, registry.scrape());
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void shouldSayWhichTopicIsMissingAndHowToCreateItThenDeliverTheWaitingEventsOnceItExists() throws Exception {
        String topic = "canopy.tokens.late";
        PrometheusRegistry registry = new PrometheusRegistry();
        Properties kafka = new Properties();
        kafka.put("linger.ms", "5");
        try (KafkaEventPublisher publisher = new KafkaEventPublisher(
                new KafkaEventPublisher.Settings(BROKER.bootstrapServers(), topic, 1 << 20, kafka), registry)) {
            List<String> sent = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                String value = "{\"position\":" + i + "}";
                publisher.publish("r-" + i, value.getBytes(StandardCharsets.UTF_8));
                sent.add(value);
            }
            await(publisher::topicMissing, "the publisher finds the topic missing");
            String message = publisher.topicMissingMessage();
            assertTrue(message.contains("'" + topic + "' does not exist on " + BROKER.bootstrapServers()), message);
            assertTrue(message.contains("canopy run --bootstrap-servers " + BROKER.bootstrapServers()), message);
            assertTrue(message.contains("--create --topic " + topic), message);
            assertTrue(scrape(registry).contains("canopy_connector_topic_missing 1.0"), scrape(registry));
            assertEquals(0, publisher.published());
            assertEquals(0, publisher.droppedTotal(), "nothing is lost while the topic is missing and the buffer has room");

            KafkaTestSupport.createTopic(BROKER.bootstrapServers(), topic);
            await(() -> publisher.published() == 5, "the waiting events are published once the topic exists");
            assertFalse(publisher.topicMissing());
            assertTrue(scrape(registry).contains("canopy_connector_topic_missing 0.0"));
            List<String> consumed = new ArrayList<>();
            for (ConsumerRecord<byte[], byte[]> r : KafkaTestSupport.readAll(BROKER.bootstrapServers(), topic, 5, Duration.ofSeconds(30))) {
                consumed.add(new String(r.value(), StandardCharsets.UTF_8));
            }
            assertEquals(sent, consumed);
        }
    }

    @Test
    void shouldPublishAtOnceWhenTheTopicExists() throws Exception {
        String topic = "canopy.tokens.present";
        KafkaTestSupport.createTopic(BROKER.bootstrapServers(), topic);
        try (KafkaEventPublisher publisher = new KafkaEventPublisher(
                new KafkaEventPublisher.Settings(BROKER.bootstrapServers(), topic, 1 << 20, new Properties()), null)) {
            publisher.publish("r", "{}".getBytes(StandardCharsets.UTF_8));
            assertTrue(publisher.flush(Duration.ofSeconds(60)));
            assertEquals(1, publisher.published());
            assertFalse(publisher.topicMissing());
        }
    }
}
