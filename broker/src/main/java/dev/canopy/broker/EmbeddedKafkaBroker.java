package dev.canopy.broker;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An in-process, single-node Apache Kafka 4.x broker running in KRaft mode, with the broker and
 * controller roles combined in one {@link KafkaRaftServer}.
 *
 * <p><b>Scope.</b> This is meant for demos, tests and local use on one machine. It is <em>not</em>
 * a production deployment: there is exactly one node (replication factor 1 everywhere, so no
 * fault tolerance), no authentication or encryption (PLAINTEXT listeners only), and the server is
 * tuned for a small footprint (few threads, a 2&nbsp;MB log-cleaner dedupe buffer, single-partition
 * internal topics) rather than for throughput.
 *
 * <p><b>Network.</b> Both listeners are bound to the loopback address {@code 127.0.0.1} only, never to
 * all interfaces: the client listener ({@code PLAINTEXT}, port chosen with {@link Builder#port(int)})
 * and the KRaft controller listener ({@code CONTROLLER}, always on a free port picked at start-up).
 * Clients connect with {@link #bootstrapServers()}. With port {@code 0} (the default) free ports are
 * found by binding and releasing a {@link ServerSocket} on {@code 127.0.0.1}; if another process grabs
 * one of them before Kafka binds it, start-up is retried with new ports. With an explicit port that is
 * already in use, {@link Builder#start()} fails with an {@link IllegalStateException} naming the port.
 *
 * <p><b>Configuration defaults.</b> Settings that make a single node usable for transactions
 * (exactly-once v2) and consumer groups: {@code offsets.topic.replication.factor=1},
 * {@code transaction.state.log.replication.factor=1}, {@code transaction.state.log.min.isr=1},
 * {@code min.insync.replicas=1}, {@code default.replication.factor=1},
 * {@code group.initial.rebalance.delay.ms=0}; and {@code auto.create.topics.enable=false}. Any
 * broker setting can be overridden with {@link Builder#property(String, String)}, except the
 * listener, role, node and directory settings which this class owns (all of them are set in
 * {@code BrokerConfig}).
 *
 * <p><b>Storage.</b> With {@link Builder#dataDir(Path)} the given directory holds both the metadata
 * log and the topic data; it is formatted on first use (new random cluster id) and reused as-is on
 * later starts (the cluster id and node id are read back from its {@code meta.properties}), so topics
 * and records survive a restart. The directory must not be used by two brokers at once (Kafka locks
 * it). Without a data directory a fresh temporary one is created and deleted again by {@link #close()}.
 *
 * <p><b>Lifecycle.</b> {@link Builder#start()} returns only once the broker answers a
 * {@code describeCluster} request. {@link #close()} performs a shutdown and waits for it to finish,
 * which releases the ports; it is idempotent. Instances are thread-safe.
 *
 * <p><b>Footprint.</b> Start and close take seconds, and a running broker needs a few tens of MB of
 * heap and some 60 threads on top of the caller's own (figures: BENCHMARKS.md, "Embedded broker").
 *
 * <p><b>Logging.</b> Kafka logs through SLF4J and is verbose at INFO level. This class does not
 * configure logging; the application (or test set-up) chooses the binding and levels.
 *
 * <p><b>Caveat.</b> Kafka's server code calls {@code org.apache.kafka.common.utils.Exit} on some
 * unrecoverable internal faults (for example a corrupt metadata log), which terminates the JVM unless
 * the embedding application has replaced the exit/halt procedures. Brokers also register JMX beans and
 * metrics in JVM-wide registries, so run at most one instance per JVM at a time where possible.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);

    private static final String HOST = LoopbackPorts.HOST;
    /** Attempts with freshly picked ports when another process steals a port we chose. */
    private static final int MAX_PORT_ATTEMPTS = 5;
    private static final long READY_TIMEOUT_MS = 60_000;
    /** How long the readiness check waits for one describeCluster answer. */
    private static final String READY_REQUEST_TIMEOUT_MS = "10000";
    /** Pause between readiness polls, and the readiness client's retry backoff. */
    private static final long READY_POLL_MS = 50;

    private final KafkaRaftServer server;
    private final int port;
    private final int controllerPort;
    private final Path dataDir;
    private final boolean ownsDataDir;
    private final String clusterId;
    private boolean closed;

    private EmbeddedKafkaBroker(KafkaRaftServer server, int port, int controllerPort, Path dataDir,
                                boolean ownsDataDir, String clusterId) {
        this.server = server;
        this.port = port;
        this.controllerPort = controllerPort;
        this.dataDir = dataDir;
        this.ownsDataDir = ownsDataDir;
        this.clusterId = clusterId;
    }

    /** Returns a builder with the defaults: any free port, a temporary data directory. */
    public static Builder builder() {
        return new Builder();
    }

    /** Configures and starts an {@link EmbeddedKafkaBroker}. A builder can be used for several starts. */
    public static final class Builder {
        private int port = 0;
        private Path dataDir;
        private final Map<String, String> overrides = new LinkedHashMap<>();

        private Builder() {
        }

        /**
         * The client (PLAINTEXT) port on {@code 127.0.0.1}; {@code 0} (the default) picks any free port.
         *
         * @throws IllegalArgumentException if the port is outside {@code 0..65535}
         */
        public Builder port(int port) {
            if (port < 0 || port > 65_535) {
                throw new IllegalArgumentException("port must be in 0..65535, was " + port);
            }
            this.port = port;
            return this;
        }

        /**
         * The directory holding the broker's metadata and data. It is created if missing, formatted if
         * not formatted yet, reused otherwise, and never deleted by this class. Default ({@code null}):
         * a fresh temporary directory that {@link EmbeddedKafkaBroker#close()} deletes.
         */
        public Builder dataDir(Path dir) {
            this.dataDir = dir;
            return this;
        }

        /**
         * Sets or overrides one broker configuration property (for example
         * {@code auto.create.topics.enable=true} or {@code num.partitions=3}). Properties that define
         * the node's identity, listeners, roles and directories are managed by this class and rejected.
         *
         * @throws IllegalArgumentException for a managed property
         */
        public Builder property(String key, String value) {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
            if (BrokerConfig.MANAGED_PROPERTIES.contains(key)) {
                throw new IllegalArgumentException("'" + key + "' is managed by EmbeddedKafkaBroker and cannot be set;"
                        + " use port(..) / dataDir(..) instead");
            }
            overrides.put(key, value);
            return this;
        }

        /**
         * Formats the storage if needed, starts the broker and waits until it answers a
         * {@code describeCluster} request.
         *
         * @throws IllegalStateException if the broker cannot be started, with the underlying cause;
         *                               when the requested port is in use the message names it
         */
        public EmbeddedKafkaBroker start() {
            long t0 = System.nanoTime();
            boolean owns = dataDir == null;
            Path dir;
            try {
                dir = owns ? Files.createTempDirectory("canopy-kafka-")
                        : Files.createDirectories(dataDir.toAbsolutePath().normalize());
            } catch (IOException e) {
                throw new IllegalStateException("Cannot create Kafka data directory "
                        + (dataDir == null ? "(temporary)" : dataDir) + ": " + e, e);
            }
            try {
                BrokerStorage.Identity identity = BrokerStorage.formatIfNeeded(dir);
                EmbeddedKafkaBroker broker = startWithRetries(dir, owns, identity);
                LOG.info("Embedded Kafka broker (cluster {}) ready on {} in {} ms, data in {}", identity.clusterId(),
                        broker.bootstrapServers(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), dir);
                return broker;
            } catch (RuntimeException | Error e) {
                if (owns) {
                    BrokerStorage.deleteQuietly(dir);
                }
                throw e;
            }
        }

        private EmbeddedKafkaBroker startWithRetries(Path dir, boolean owns, BrokerStorage.Identity identity) {
            int attempts = MAX_PORT_ATTEMPTS;
            for (int attempt = 1; ; attempt++) {
                int brokerPort;
                if (port != 0) {
                    brokerPort = port;
                    LoopbackPorts.requireFree(port);
                } else {
                    brokerPort = LoopbackPorts.freePort(-1);
                }
                int ctlPort = LoopbackPorts.freePort(brokerPort);
                Properties props = BrokerConfig.properties(dir, identity.nodeId(), brokerPort, ctlPort, overrides);
                KafkaRaftServer server = null;
                try {
                    KafkaConfig config = KafkaConfig.fromProps(props, false);
                    server = new KafkaRaftServer(config, Time.SYSTEM);
                    server.startup();
                    awaitReady(brokerPort);
                    return new EmbeddedKafkaBroker(server, brokerPort, ctlPort, dir, owns, identity.clusterId());
                } catch (Exception e) {
                    if (server != null) {
                        shutdownQuietly(server);
                    }
                    boolean bindFailure = StartFailures.isBindFailure(e);
                    // A fixed port that is taken is not retried; a picked port stolen in between is.
                    boolean stolenFixedPort = port != 0 && bindFailure && !LoopbackPorts.isFree(port);
                    if (bindFailure && !stolenFixedPort && attempt < attempts) {
                        LOG.warn("Kafka could not bind 127.0.0.1:{} / controller 127.0.0.1:{} (attempt {}/{}); retrying"
                                + " with other ports: {}", brokerPort, ctlPort, attempt, attempts, StartFailures.rootMessage(e));
                        continue;
                    }
                    String what = bindFailure
                            ? "port " + brokerPort + " on " + HOST + " (controller port " + ctlPort + ") is not available"
                            : "broker on " + HOST + ":" + brokerPort + " (controller port " + ctlPort + ") failed to start";
                    throw new IllegalStateException("Cannot start embedded Kafka broker: " + what
                            + "; data dir " + dir + "; cause: " + StartFailures.rootMessage(e), e);
                }
            }
        }
    }

    /** The client bootstrap address, {@code "127.0.0.1:PORT"}. */
    public String bootstrapServers() {
        return HOST + ":" + port;
    }

    /** The client (PLAINTEXT) port the broker listens on, on {@code 127.0.0.1}. */
    public int port() {
        return port;
    }

    /** The port of the KRaft controller listener on {@code 127.0.0.1} (picked freely at each start). */
    public int controllerPort() {
        return controllerPort;
    }

    /** The data directory (temporary unless one was given to the builder). */
    public Path dataDir() {
        return dataDir;
    }

    /** The KRaft cluster id stored in the data directory's {@code meta.properties}. */
    public String clusterId() {
        return clusterId;
    }

    /**
     * Shuts the broker down and waits for the shutdown to complete, releasing its ports and files.
     * Deletes the data directory if it is a temporary one created by this broker. Calling it again
     * has no effect.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        long t0 = System.nanoTime();
        try {
            server.shutdown();
            server.awaitShutdown();
        } finally {
            if (ownsDataDir) {
                BrokerStorage.deleteQuietly(dataDir);
            }
        }
        LOG.info("Embedded Kafka broker on {} stopped in {} ms", bootstrapServers(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    }

    @Override
    public String toString() {
        return "EmbeddedKafkaBroker[" + bootstrapServers() + ", dataDir=" + dataDir + "]";
    }

    // ---------------------------------------------------------------- readiness

    private static void awaitReady(int brokerPort) throws InterruptedException, ExecutionException, TimeoutException {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, HOST + ":" + brokerPort);
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, "embedded-kafka-readiness");
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, READY_REQUEST_TIMEOUT_MS);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(READY_TIMEOUT_MS));
        p.put(AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, Long.toString(READY_POLL_MS));
        try (Admin admin = Admin.create(p)) {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(READY_TIMEOUT_MS);
            while (true) {
                Collection<Node> nodes = admin.describeCluster().nodes().get(READY_TIMEOUT_MS, TimeUnit.MILLISECONDS);
                if (!nodes.isEmpty()) {
                    return;
                }
                if (System.nanoTime() > deadline) {
                    throw new TimeoutException("broker reported no nodes within " + READY_TIMEOUT_MS + " ms");
                }
                Thread.sleep(READY_POLL_MS);
            }
        }
    }

    // ---------------------------------------------------------------- helpers

    private static void shutdownQuietly(KafkaRaftServer server) {
        try {
            server.shutdown();
            server.awaitShutdown();
        } catch (RuntimeException e) {
            LOG.warn("Error while shutting down a Kafka broker that failed to start", e);
        }
    }
}
