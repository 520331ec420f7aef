package dev.canopy.broker;

import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * The server properties of the embedded single-node broker: small-footprint defaults that a caller may
 * override, then the identity, role, listener and directory settings that {@link EmbeddedKafkaBroker}
 * owns and that no override can change.
 *
 * <p>The defaults make one node usable for transactions (exactly-once v2) and consumer groups (every
 * replication factor and min-ISR is 1, internal topics have one partition, no initial rebalance delay),
 * disable topic auto-creation, and keep the thread counts and the log-cleaner buffer small.
 */
final class BrokerConfig {

    /** Name of the client listener, advertised to clients and used between brokers. */
    static final String BROKER_LISTENER = "PLAINTEXT";
    /** Name of the KRaft controller listener. */
    static final String CONTROLLER_LISTENER = "CONTROLLER";
    /** Keys owned by the broker class; overriding them would break the loopback/single-node contract. */
    static final Set<String> MANAGED_PROPERTIES = Set.of(
            "process.roles", "node.id", "broker.id", "listeners", "advertised.listeners",
            "listener.security.protocol.map", "controller.listener.names", "inter.broker.listener.name",
            "controller.quorum.voters", "controller.quorum.bootstrap.servers", "log.dirs", "log.dir",
            "metadata.log.dir");

    /** Size of the log cleaner's dedupe buffer: 2 MB instead of Kafka's 128 MB. */
    private static final int CLEANER_DEDUPE_BUFFER_BYTES = 2 * 1024 * 1024;

    private BrokerConfig() {
    }

    /**
     * The complete server properties for one start.
     *
     * @param dir        the directory holding both the metadata log and the topic data
     * @param nodeId     the node id read from (or written to) the directory's {@code meta.properties}
     * @param brokerPort the client listener's port on {@link LoopbackPorts#HOST}
     * @param ctlPort    the controller listener's port on {@link LoopbackPorts#HOST}
     * @param overrides  caller settings, applied over the defaults; must not contain
     *                   {@link #MANAGED_PROPERTIES} (the builder rejects them, and they would be replaced here)
     */
    static Properties properties(Path dir, int nodeId, int brokerPort, int ctlPort, Map<String, String> overrides) {
        String host = LoopbackPorts.HOST;
        Properties p = new Properties();
        // Small-footprint, single-node defaults (overridable).
        p.put("auto.create.topics.enable", "false");
        p.put("num.partitions", "1");
        p.put("default.replication.factor", "1");
        p.put("min.insync.replicas", "1");
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "1");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "1");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("share.coordinator.state.topic.num.partitions", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("num.network.threads", "2");
        p.put("num.io.threads", "2");
        p.put("background.threads", "2");
        p.put("num.replica.fetchers", "1");
        p.put("num.recovery.threads.per.data.dir", "1");
        p.put("log.cleaner.threads", "1");
        p.put("log.cleaner.dedupe.buffer.size", Integer.toString(CLEANER_DEDUPE_BUFFER_BYTES));
        p.put("group.coordinator.threads", "1");
        p.put("share.coordinator.threads", "1");
        p.putAll(overrides);
        // Identity, roles, listeners and storage: owned by EmbeddedKafkaBroker.
        p.put("process.roles", "broker,controller");
        p.put("node.id", Integer.toString(nodeId));
        p.put("controller.quorum.voters", nodeId + "@" + host + ":" + ctlPort);
        p.put("listeners", BROKER_LISTENER + "://" + host + ":" + brokerPort + ","
                + CONTROLLER_LISTENER + "://" + host + ":" + ctlPort);
        p.put("advertised.listeners", BROKER_LISTENER + "://" + host + ":" + brokerPort);
        p.put("listener.security.protocol.map", BROKER_LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
        p.put("controller.listener.names", CONTROLLER_LISTENER);
        p.put("inter.broker.listener.name", BROKER_LISTENER);
        p.put("log.dirs", dir.toString());
        p.put("metadata.log.dir", dir.toString());
        return p;
    }
}
