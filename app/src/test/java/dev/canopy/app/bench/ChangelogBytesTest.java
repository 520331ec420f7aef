package dev.canopy.app.bench;

import dev.canopy.testsupport.EmbeddedBroker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What an application's internal topics hold, read from a real broker, and the difference between two readings. */
class ChangelogBytesTest {

    @RegisterExtension
    static final EmbeddedBroker BROKER = new EmbeddedBroker();

    private static final int VALUE_BYTES = 1000;

    @Test
    void shouldNameTheStoreBehindAnInternalTopicOfTheApplicationOnly() {
        assertEquals("canopy-groups", ChangelogBytes.storeOf("app", "app-canopy-groups-changelog"));
        assertEquals("KSTREAM-KEY-0001 (repartition)", ChangelogBytes.storeOf("app", "app-KSTREAM-KEY-0001-repartition"));
        assertNull(ChangelogBytes.storeOf("app", "other-canopy-groups-changelog"));
        assertNull(ChangelogBytes.storeOf("app", "app-tokens"));
        assertNull(ChangelogBytes.storeOf("app", "app--changelog"));
    }

    @Test
    void shouldSubtractAnEarlierReadingAndCountANewTopicWhole() {
        Map<String, ChangelogBytes.Topic> before = Map.of("a", new ChangelogBytes.Topic("a", true, 100, 3));
        Map<String, ChangelogBytes.Topic> after = Map.of(
                "a", new ChangelogBytes.Topic("a", true, 250, 5),
                "b", new ChangelogBytes.Topic("b", true, 40, 1),
                "r (repartition)", new ChangelogBytes.Topic("r (repartition)", false, 0, 9));
        Map<String, ChangelogBytes.Topic> d = ChangelogBytes.delta(before, after);
        assertEquals(new ChangelogBytes.Topic("a", true, 150, 2), d.get("a"));
        assertEquals(new ChangelogBytes.Topic("b", true, 40, 1), d.get("b"));
        assertEquals(190, ChangelogBytes.changelogBytes(d), "repartition topics add no bytes");
    }

    @Test
    void shouldReadRecordsAndBytesOfTheApplicationsTopicsFromTheBroker() throws Exception {
        String app = "bench-changelog-test";
        String changelog = app + "-store-a-changelog";
        String repartition = app + "-step-repartition";
        String other = "someone-else-store-a-changelog";
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, BROKER.bootstrapServers());
        try (Admin admin = Admin.create(p)) {
            admin.createTopics(List.of(new NewTopic(changelog, 2, (short) 1), new NewTopic(repartition, 1, (short) 1),
                    new NewTopic(other, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        send(changelog, 10);
        send(repartition, 4);
        send(other, 7);
        Map<String, ChangelogBytes.Topic> first = ChangelogBytes.snapshot(BROKER.bootstrapServers(), app);
        assertEquals(2, first.size(), first.toString());
        ChangelogBytes.Topic store = first.get("store-a");
        assertTrue(store.changelog());
        assertEquals(10, store.records());
        assertTrue(store.bytes() >= 10L * VALUE_BYTES, "bytes of the changelog: " + store.bytes());
        ChangelogBytes.Topic step = first.get("step (repartition)");
        assertFalse(step.changelog());
        assertEquals(4, step.records());
        assertEquals(0, step.bytes());

        send(changelog, 5);
        Map<String, ChangelogBytes.Topic> d = ChangelogBytes.delta(first, ChangelogBytes.snapshot(BROKER.bootstrapServers(), app));
        assertEquals(5, d.get("store-a").records());
        assertTrue(ChangelogBytes.changelogBytes(d) >= 5L * VALUE_BYTES, "bytes written between the readings: " + d);
        assertEquals(0, d.get("step (repartition)").records());
    }

    private static void send(String topic, int records) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, BROKER.bootstrapServers());
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < records; i++) {
                producer.send(new ProducerRecord<>(topic, ("k" + i).getBytes(), new byte[VALUE_BYTES]));
            }
            producer.flush();
        }
    }
}
