package dev.canopy.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

import kafka.server.KafkaConfig;
import org.apache.kafka.server.config.AbstractKafkaConfig;
import org.junit.jupiter.api.Test;

class BrokerConfigTest {

    private static final Path DIR = Path.of("/tmp/canopy-kafka-test");
    private static final int NODE_ID = 7;
    private static final int BROKER_PORT = 19092;
    private static final int CONTROLLER_PORT = 19093;

    @Test
    void shouldSetOnlyKeysKafkaKnows() {
        Properties p = BrokerConfig.properties(DIR, NODE_ID, BROKER_PORT, CONTROLLER_PORT, Map.of());
        Set<String> known = AbstractKafkaConfig.CONFIG_DEF.names();
        for (String key : p.stringPropertyNames()) {
            assertTrue(known.contains(key), "not a Kafka broker setting: " + key);
        }
        for (String key : BrokerConfig.MANAGED_PROPERTIES) {
            assertTrue(known.contains(key), "managed key is not a Kafka broker setting: " + key);
        }
    }

    @Test
    void shouldBindBothListenersToLoopbackWithTheGivenPortsAndNode() {
        Properties p = BrokerConfig.properties(DIR, NODE_ID, BROKER_PORT, CONTROLLER_PORT, Map.of());
        assertEquals("PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093", p.getProperty("listeners"));
        assertEquals("PLAINTEXT://127.0.0.1:19092", p.getProperty("advertised.listeners"));
        assertEquals("7@127.0.0.1:19093", p.getProperty("controller.quorum.voters"));
        assertEquals("7", p.getProperty("node.id"));
        assertEquals("broker,controller", p.getProperty("process.roles"));
        assertEquals(DIR.toString(), p.getProperty("log.dirs"));
        assertEquals(DIR.toString(), p.getProperty("metadata.log.dir"));
    }

    @Test
    void shouldBeAcceptedByKafkaAsACombinedSingleNodeServer() {
        Properties p = BrokerConfig.properties(DIR, NODE_ID, BROKER_PORT, CONTROLLER_PORT, Map.of());
        KafkaConfig config = KafkaConfig.fromProps(p, false);
        assertEquals(NODE_ID, config.brokerId());
        assertEquals(List.of(DIR.toString()), config.logDirs());
        assertEquals(1, config.defaultReplicationFactor());
        assertEquals(List.of(BrokerConfig.CONTROLLER_LISTENER), config.controllerListenerNames());
        assertEquals(BrokerConfig.BROKER_LISTENER, config.interBrokerListenerName().value());
    }

    @Test
    void shouldApplyOverridesOverTheSmallFootprintDefaults() {
        Properties defaults = BrokerConfig.properties(DIR, NODE_ID, BROKER_PORT, CONTROLLER_PORT, Map.of());
        assertEquals("false", defaults.getProperty("auto.create.topics.enable"));
        assertEquals("1", defaults.getProperty("num.partitions"));
        assertEquals("1", defaults.getProperty("transaction.state.log.min.isr"));
        assertEquals("0", defaults.getProperty("group.initial.rebalance.delay.ms"));
        assertEquals(Integer.toString(2 * 1024 * 1024), defaults.getProperty("log.cleaner.dedupe.buffer.size"));

        Properties p = BrokerConfig.properties(DIR, NODE_ID, BROKER_PORT, CONTROLLER_PORT,
                Map.of("auto.create.topics.enable", "true", "num.partitions", "3", "log.retention.ms", "1000"));
        assertEquals("true", p.getProperty("auto.create.topics.enable"));
        assertEquals("3", p.getProperty("num.partitions"));
        assertEquals("1000", p.getProperty("log.retention.ms"));
    }

    @Test
    void shouldKeepManagedKeysEvenWhenAnOverrideNamesThem() {
        Properties p = BrokerConfig.properties(DIR, NODE_ID, BROKER_PORT, CONTROLLER_PORT,
                Map.of("listeners", "PLAINTEXT://0.0.0.0:9092", "node.id", "99", "log.dirs", "/elsewhere"));
        assertEquals("PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093", p.getProperty("listeners"));
        assertEquals("7", p.getProperty("node.id"));
        assertEquals(DIR.toString(), p.getProperty("log.dirs"));
    }
}
