package dev.canopy.monitor;

import dev.canopy.core.UserError;
import dev.canopy.core.config.CanopyConfig;
import dev.canopy.core.config.ConfigKey;
import dev.canopy.core.events.EventParser;
import dev.canopy.core.replay.ReplayEngine;
import dev.canopy.core.shift.ShiftDetector;
import dev.canopy.topology.CanopyTopology;
import dev.canopy.topology.MonitorConfig;
import dev.canopy.topology.SemanticSettings;
import dev.canopy.topology.Topics;
import dev.canopy.topology.config.KafkaClientSettings;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.StreamsConfig;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The monitor's configuration: one immutable value built once, by a pure function, from (lowest to
 * highest precedence) defaults, an optional properties file, the environment and command-line flags.
 *
 * <p>Canopy's own keys start with {@code canopy.} and are defined, with their defaults and rules, in
 * {@link CanopyConfig} (environment: {@link ConfigKey#envName()}, e.g. {@code CANOPY_WINDOW_SIZE}).
 * Every other key in the file that is a Kafka client setting, and every {@code KAFKA_*} environment
 * variable that names one ({@link KafkaClientSettings}), passes through to the Kafka clients.
 * Any problem is a {@link UserError} that names the key and the fix.
 */
public record MonitorSettings(String bootstrapServers, String applicationId, String httpHost, int httpPort,
                              Path stateDir, int topicPartitions, short replicationFactor, int metricsMaxReleases,
                              Duration releaseTtl, int streamThreads, String processingGuarantee,
                              MonitorConfig monitor, Map<String, String> kafka, Duration peerTimeout) {

    private static final String CANOPY_PREFIX = "canopy.";
    private static final String CANOPY_ENV_PREFIX = "CANOPY_";
    /** Read by the launcher script, not a setting. */
    private static final String LAUNCHER_VARIABLE = "CANOPY_JAVA_OPTS";
    /** Consumer session timeout Canopy sets unless given: how long a killed instance keeps its partitions. */
    static final int SESSION_TIMEOUT_MS = 10_000;
    private static final long STATESTORE_CACHE_BYTES = 32L << 20;

    /**
     * Builds the settings.
     *
     * @param flags settings given on the command line, as canopy.* keys (highest precedence)
     * @param env   the process environment
     * @param file  an optional properties file
     */
    public static MonitorSettings resolve(Map<String, String> flags, Map<String, String> env, Path file) {
        Map<String, String> canopy = new TreeMap<>();
        Map<String, String> kafka = new TreeMap<>();
        Map<String, String> origin = new TreeMap<>();
        if (file != null) {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(file)) {
                p.load(r);
            } catch (IOException e) {
                throw new UserError("cannot read the config file " + file + ": " + e.getMessage() + " (check --config)");
            }
            for (String key : p.stringPropertyNames()) {
                String value = p.getProperty(key).trim();
                if (key.startsWith(CANOPY_PREFIX)) {
                    if (CanopyConfig.key(key).isEmpty()) {
                        throw new UserError("unknown setting '" + key + "' in " + file
                                + ": Canopy's keys are listed in docs/configuration.md");
                    }
                    canopy.put(key, value);
                } else {
                    if (!KafkaClientSettings.isClientSetting(key)) {
                        throw new UserError("unknown setting '" + key + "' in " + file
                                + ": use a canopy.* key (see docs/configuration.md) or a Kafka client setting such as security.protocol");
                    }
                    kafka.put(key, value);
                }
                origin.put(key, "config file " + file);
            }
        }
        for (Map.Entry<String, String> e : env.entrySet()) {
            String name = e.getKey();
            if (name.startsWith(CANOPY_ENV_PREFIX) && !name.equals(LAUNCHER_VARIABLE)) {
                ConfigKey<?> key = CanopyConfig.keyOfEnvironmentVariable(name).orElseThrow(() -> new UserError(
                        "unknown environment variable " + name + ": Canopy reads "
                                + String.join(", ", CanopyConfig.KEYS.stream().map(ConfigKey::envName).toList())));
                canopy.put(key.name(), e.getValue().trim());
                origin.put(key.name(), "environment variable " + name);
            }
        }
        KafkaClientSettings.fromEnvironment(env).forEach((key, value) -> {
            kafka.put(key, value);
            origin.put(key, "environment variable " + KafkaClientSettings.variableOf(key));
        });
        flags.forEach((k, v) -> {
            if (v != null) {
                if (CanopyConfig.key(k).isEmpty()) {
                    throw new IllegalArgumentException("not a configuration key: " + k);
                }
                canopy.put(k, v);
                origin.put(k, "flag");
            }
        });
        Values reader = new Values(canopy, origin);
        String bootstrap = reader.get(CanopyConfig.BOOTSTRAP_SERVERS);
        if (bootstrap == null || bootstrap.isBlank()) {
            throw new UserError("no Kafka to connect to: give --bootstrap-servers HOST:PORT (or "
                    + CanopyConfig.BOOTSTRAP_SERVERS.envName() + ", or " + CanopyConfig.BOOTSTRAP_SERVERS.name()
                    + " in --config)");
        }
        String stateDir = reader.get(CanopyConfig.STATE_DIR);
        Path state = stateDir == null || stateDir.isBlank() ? defaultStateDir() : Path.of(stateDir);
        MonitorConfig monitor;
        try {
            Topics topics = new Topics(reader.get(CanopyConfig.TOPIC_TOKENS), reader.get(CanopyConfig.TOPIC_DLQ),
                    reader.get(CanopyConfig.TOPIC_ROLLOUTS), reader.get(CanopyConfig.TOPIC_METRICS),
                    reader.get(CanopyConfig.TOPIC_RELEASES), reader.get(CanopyConfig.TOPIC_ALERTS));
            ReplayEngine.Options statistics = new ReplayEngine.Options(reader.get(CanopyConfig.VOCABULARY_SIZE),
                    reader.get(CanopyConfig.PAIR_CAPACITY), reader.get(CanopyConfig.MAX_PROMPTS),
                    new EventParser.Limits(reader.get(CanopyConfig.MAX_POSITION), reader.get(CanopyConfig.MAX_NAME_BYTES)));
            ShiftDetector.Settings shift = new ShiftDetector.Settings(reader.get(CanopyConfig.SHIFT_ALPHA),
                    reader.get(CanopyConfig.SHIFT_MIN_ROLLOUTS), reader.get(CanopyConfig.SHIFT_TARGET_ROLLOUTS));
            SemanticSettings semantic = new SemanticSettings(reader.get(CanopyConfig.SEMANTIC_ENABLED),
                    reader.get(CanopyConfig.SEMANTIC_MAX_CHARS), reader.get(CanopyConfig.SEMANTIC_PER_PROMPT),
                    reader.get(CanopyConfig.SEMANTIC_MAX_PROMPTS), reader.get(CanopyConfig.SEMANTIC_MAX_RATE),
                    reader.get(CanopyConfig.SEMANTIC_BACKLOG));
            monitor = new MonitorConfig(topics, statistics, reader.get(CanopyConfig.IDLE_TIMEOUT),
                    reader.get(CanopyConfig.WINDOW_SIZE), reader.get(CanopyConfig.WINDOW_ADVANCE),
                    reader.get(CanopyConfig.WINDOW_GRACE), reader.get(CanopyConfig.WINDOW_KEPT), shift, semantic);
        } catch (UserError e) {
            throw e;
        } catch (IllegalArgumentException e) {
            // a rule across keys (the window size is a multiple of the advance)
            throw new UserError(e.getMessage());
        }
        MonitorSettings settings = new MonitorSettings(bootstrap, reader.get(CanopyConfig.APPLICATION_ID),
                reader.get(CanopyConfig.HTTP_HOST), reader.get(CanopyConfig.HTTP_PORT), state,
                reader.get(CanopyConfig.TOPIC_PARTITIONS), reader.get(CanopyConfig.TOPIC_REPLICATION_FACTOR).shortValue(),
                reader.get(CanopyConfig.METRICS_MAX_RELEASES), reader.get(CanopyConfig.METRICS_RELEASE_TTL),
                reader.get(CanopyConfig.STREAM_THREADS), reader.get(CanopyConfig.PROCESSING_GUARANTEE), monitor,
                Map.copyOf(kafka), reader.get(CanopyConfig.PEER_TIMEOUT));
        settings.validateKafka(origin);
        return settings;
    }

    /**
     * The state directory when none is given: {@code ~/.canopy/state}, the user's own and kept across
     * reboots (a temp directory may be cleaned by the OS under a running monitor).
     */
    public static Path defaultStateDir() {
        return Path.of(System.getProperty("user.home"), ".canopy", "state");
    }

    /** The Kafka Streams properties: the passthrough settings plus what Canopy sets itself. */
    public Properties streamsProperties(String applicationServer) {
        Properties p = new Properties();
        p.putAll(kafka);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, processingGuarantee);
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, Integer.toString(streamThreads));
        p.putIfAbsent(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "1000");
        p.putIfAbsent(StreamsConfig.REPLICATION_FACTOR_CONFIG, Integer.toString(replicationFactor));
        p.putIfAbsent(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, Long.toString(STATESTORE_CACHE_BYTES));
        p.putIfAbsent("processing.exception.handler.global.enabled", "true");
        p.putIfAbsent(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedRocksDb.class.getName());
        // A release's accumulator can pass Kafka's 1 MiB default (docs/state.md, "Large records"): its
        // changelog accepts up to MAX_STATE_RECORD_BYTES, so the producer must send that much, and a record
        // larger than buffer.memory is refused too.
        p.putIfAbsent(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(CanopyTopology.MAX_STATE_RECORD_BYTES));
        p.putIfAbsent(ProducerConfig.BUFFER_MEMORY_CONFIG, Long.toString(2L * CanopyTopology.MAX_STATE_RECORD_BYTES));
        // Fast failover (README, "Reliability"): a killed instance is noticed after 10 s rather than the
        // clients' 45 s, and another instance already holds a warm copy of each task's state to take over.
        p.putIfAbsent(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, Integer.toString(SESSION_TIMEOUT_MS));
        p.putIfAbsent(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, Integer.toString(SESSION_TIMEOUT_MS / 4));
        p.putIfAbsent(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, "1");
        if (processingGuarantee.equals(StreamsConfig.EXACTLY_ONCE_V2)) {
            // Under exactly-once, a task's stores are otherwise wiped and rebuilt from the changelog after a crash.
            p.putIfAbsent(StreamsConfig.TRANSACTIONAL_STATE_STORES_CONFIG, "true");
        }
        if (applicationServer != null) {
            p.put(StreamsConfig.APPLICATION_SERVER_CONFIG, applicationServer);
        }
        return p;
    }

    /** Client properties for the admin client and producers Canopy creates itself. */
    public Properties clientProperties() {
        Properties p = new Properties();
        kafka.forEach((k, v) -> {
            if (AdminClientConfig.configNames().contains(k) || ProducerConfig.configNames().contains(k)) {
                p.put(k, v);
            }
        });
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        return p;
    }

    private void validateKafka(Map<String, String> origin) {
        try {
            new StreamsConfig(streamsProperties(null));
        } catch (ConfigException e) {
            String key = keyOf(e.getMessage());
            String from = key == null ? "" : " (from " + origin.getOrDefault(key, "Canopy's defaults") + ")";
            throw new UserError("invalid Kafka setting" + (key == null ? "" : " '" + key + "'") + from + ": " + e.getMessage());
        }
    }

    private static String keyOf(String message) {
        Matcher m = Pattern.compile("for configuration ([\\w.]+)").matcher(message == null ? "" : message);
        if (m.find()) {
            return m.group(1);
        }
        m = Pattern.compile("(?:Missing required configuration|configuration) \"?([\\w.]+)\"?").matcher(message == null ? "" : message);
        return m.find() ? m.group(1) : null;
    }

    /** Reads typed canopy.* values, naming the key, its origin and the fix in every error. */
    private record Values(Map<String, String> values, Map<String, String> origin) {

        <T> T get(ConfigKey<T> key) {
            String given = values.get(key.name());
            try {
                return given == null ? key.defaultValue() : key.parse(given);
            } catch (ConfigKey.InvalidValue e) {
                String from = origin.getOrDefault(key.name(), "default");
                throw new UserError("invalid value '" + e.value() + "' for " + key.name() + " (from " + from + "): " + e.fix());
            }
        }
    }
}
