package dev.canopy.connectors.kafka;

import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class ProducerSlotTest {

    @Test
    void givenPropertiesOverrideTheDefaultsButNotTheAddressOrSerializers() {
        Properties client = new Properties();
        client.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        client.put("security.protocol", "SSL");
        client.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "elsewhere:9092");
        client.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, "org.example.Other");
        Properties p = ProducerSlot.producerProperties(
                new KafkaEventPublisher.Settings("kafka:9092", "canopy.tokens", 1024, client));
        assertEquals("5", p.get(ProducerConfig.LINGER_MS_CONFIG));
        assertEquals("SSL", p.get("security.protocol"));
        assertEquals("canopy-connector", p.get(ProducerConfig.CLIENT_ID_CONFIG));
        assertEquals("5000", p.get(ProducerConfig.MAX_BLOCK_MS_CONFIG));
        assertEquals("10000", p.get(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG));
        assertEquals("30000", p.get(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG));
        assertEquals("kafka:9092", p.get(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG));
        assertEquals(ByteArraySerializer.class.getName(), p.get(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG));
        assertEquals(ByteArraySerializer.class.getName(), p.get(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG));
    }

    @Test
    void aProducerThatCannotBeCreatedLeavesTheSlotEmpty() {
        AtomicInteger attempts = new AtomicInteger();
        ProducerSlot slot = new ProducerSlot(new KafkaEventPublisher.Settings("kafka:9092", "canopy.tokens", 1024, null),
                p -> {
                    attempts.incrementAndGet();
                    throw new IllegalArgumentException("no resolvable bootstrap urls");
                },
                new ThrottledWarning(LoggerFactory.getLogger(ProducerSlotTest.class), 1));
        assertNull(slot.get());
        assertNull(slot.current());
        assertEquals(1, attempts.get());
    }
}
