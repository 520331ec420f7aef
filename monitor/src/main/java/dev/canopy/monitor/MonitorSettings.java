package dev.canopy.monitor;

import dev.canopy.core.UserError;
import dev.canopy.core.events.EventParser;
import dev.canopy.core.replay.ReplayEngine;
import dev.canopy.core.shift.ShiftDetector;
import dev.canopy.core.stats.GroupAccumulator;
import dev.canopy.core.stats.PairSample;
import dev.canopy.core.stats.StepEntropy;
import dev.canopy.topology.MonitorConfig;
import dev.canopy.topology.SemanticSettings;
import dev.canopy.topology.Topics;
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
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The monitor's configuration: one immutable value built once, by a pure function, from (lowest to
 * highest precedence) defaults, an optional properties file, the environment and command-line flags.
 *
 * <p>Canopy's own keys start with {@code canopy.} (environment: {@code CANOPY_} plus the key in upper
 * case with dots as underscores, e.g. {@code CANOPY_WINDOW_SIZE}). Every other key in the file, and
 * every {@code KAFKA_*} environment variable that names a Kafka client setting
 * ({@code KAFKA_SECURITY_PROTOCOL} -> {@code security.protocol}), passes through to the Kafka clients.
 * Any problem is a {@link UserError} that names the key and the fix.
 */
public record MonitorSettings(String bootstrapServers, String applicationId, String httpHost, int httpPort,
                              Path stateDir, int topicPartitions, short replicationFactor, int metricsMaxReleases,
                              Duration releaseTtl, int streamThreads, String processingGuarantee,
                              MonitorConfig monitor, Map<String, String> kafka, Duration peerTimeout) {

    /** Every canopy.* key with its default and meaning, in the order the README documents them. */
    public static final Map<String, String[]> KEYS = keys();

    private static Map<String, String[]> keys() {
        Map<String, String[]> k = new LinkedHashMap<>();
        k.put("canopy.bootstrap.servers", new String[] {"", "Kafka bootstrap servers (required for run; flag --bootstrap-servers)"});
        k.put("canopy.application.id", new String[] {"canopy-monitor", "Kafka Streams application id; instances sharing it split the work"});
        k.put("canopy.http.host", new String[] {"127.0.0.1", "address the HTTP API and /metrics bind to (0.0.0.0 in containers)"});
        k.put("canopy.http.port", new String[] {"9400", "port of the HTTP API and /metrics (flag --http-port)"});
        k.put("canopy.state.dir", new String[] {"", "Kafka Streams state directory, one subdirectory per application id (default: ~/.canopy/state; flag --state-dir)"});
        k.put("canopy.topic.tokens", new String[] {"canopy.tokens", "input topic of token events"});
        k.put("canopy.topic.dlq", new String[] {"canopy.dlq", "dead-letter topic"});
        k.put("canopy.topic.rollouts", new String[] {"canopy.rollouts", "completed rollouts"});
        k.put("canopy.topic.metrics", new String[] {"canopy.metrics", "cumulative and windowed metrics"});
        k.put("canopy.topic.releases", new String[] {"canopy.releases", "releases, announced or inferred (compacted)"});
        k.put("canopy.topic.alerts", new String[] {"canopy.alerts", "shift detector verdicts"});
        k.put("canopy.topic.partitions", new String[] {"6", "partitions of topics the monitor creates when missing"});
        k.put("canopy.topic.replication.factor", new String[] {"-1", "replication factor of created topics (-1: the broker's default)"});
        k.put("canopy.idle.timeout", new String[] {"10m", "an incomplete rollout idle this long is abandoned"});
        k.put("canopy.window.size", new String[] {"1h", "rolling window length, by rollout completion time"});
        k.put("canopy.window.advance", new String[] {"1m", "window advance (and slice width); the size must be a multiple"});
        k.put("canopy.window.grace", new String[] {"5m", "how late a rollout may complete and still enter its window"});
        k.put("canopy.window.kept", new String[] {"60", "closed windows kept per release for /api/v1/windows"});
        k.put("canopy.shift.alpha", new String[] {"0.05", "false-alarm probability per release pair, over all metrics and all time"});
        k.put("canopy.shift.min.rollouts", new String[] {"50", "rollouts per release before the detector gives a verdict"});
        k.put("canopy.shift.target.rollouts", new String[] {"1000", "sample size at which the confidence sequences are tightest"});
        k.put("canopy.semantic.enabled", new String[] {"false", "semantic diversity: keep rollout texts in flight and embed completed rollouts (flag --semantic)"});
        k.put("canopy.semantic.max.chars", new String[] {"" + SemanticSettings.DEFAULT_MAX_CHARS, "characters of text kept per rollout (its beginning)"});
        k.put("canopy.semantic.per.prompt", new String[] {"" + SemanticSettings.DEFAULT_PER_PROMPT, "embedded rollouts kept per prompt; a uniform sample beyond"});
        k.put("canopy.semantic.max.prompts", new String[] {"" + SemanticSettings.DEFAULT_MAX_PROMPTS, "prompts with embedded rollouts kept per release; a uniform sample beyond"});
        k.put("canopy.semantic.max.rate", new String[] {"" + (int) SemanticSettings.DEFAULT_MAX_RATE, "embeddings per second this instance may spend; rollouts the sample keeps wait for it"});
        k.put("canopy.semantic.backlog", new String[] {"" + SemanticSettings.DEFAULT_BACKLOG, "rollouts waiting for the embedding budget, per stream task; beyond, dropped and counted as over budget"});
        k.put("canopy.vocabulary.size", new String[] {"" + StepEntropy.DEFAULT_VOCABULARY_SIZE, "vocabulary size for the CE* upper bound of top-k steps"});
        k.put("canopy.pair.capacity", new String[] {"" + PairSample.DEFAULT_CAPACITY, "(N, r) pairs kept exactly per prompt group; a bottom-k sample beyond"});
        k.put("canopy.max.prompts", new String[] {"" + GroupAccumulator.DEFAULT_MAX_PROMPTS, "prompt groups tracked per release; a uniform sample beyond"});
        k.put("canopy.max.position", new String[] {"" + EventParser.MAX_POSITION, "largest accepted token position; larger is rejected (position_out_of_range)"});
        k.put("canopy.max.name.bytes", new String[] {"" + EventParser.MAX_NAME_BYTES, "longest accepted model, release, rollout_id, prompt_id, finish_reason (UTF-8 bytes); longer is rejected (name_too_long)"});
        k.put("canopy.metrics.max.releases", new String[] {"200", "model x release pairs exported to Prometheus; more are counted as overflow"});
        k.put("canopy.metrics.release.ttl", new String[] {"7d", "a release with no rollout for this long is retired from /metrics"});
        k.put("canopy.stream.threads", new String[] {"1", "Kafka Streams threads of this instance"});
        k.put("canopy.processing.guarantee", new String[] {StreamsConfig.EXACTLY_ONCE_V2, "exactly_once_v2 or at_least_once"});
        k.put("canopy.peer.timeout", new String[] {"2s", "how long a report waits for another instance's part before answering without it (\"partial\": true)"});
        return java.util.Collections.unmodifiableMap(k);
    }

    private static final Set<String> KAFKA_NAMES = kafkaNames();
    /** Consumer session timeout Canopy sets unless given: how long a killed instance keeps its partitions. */
    static final int SESSION_TIMEOUT_MS = 10_000;
    private static final Duration MIN_PEER_TIMEOUT = Duration.ofMillis(100);
    private static final Duration MAX_PEER_TIMEOUT = Duration.ofMinutes(1);

    private static Set<String> kafkaNames() {
        Set<String> names = new TreeSet<>();
        names.addAll(StreamsConfig.configDef().names());
        names.addAll(ProducerConfig.configNames());
        names.addAll(ConsumerConfig.configNames());
        names.addAll(AdminClientConfig.configNames());
        return names;
    }

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
                if (key.startsWith("canopy.")) {
                    canopy.put(key, value);
                    origin.put(key, "config file " + file);
                } else {
                    if (!KAFKA_NAMES.contains(key)) {
                        throw new UserError("unknown setting '" + key + "' in " + file
                                + ": use a canopy.* key (see 'canopy run --help') or a Kafka client setting such as security.protocol");
                    }
                    kafka.put(key, value);
                    origin.put(key, "config file " + file);
                }
            }
        }
        for (Map.Entry<String, String> e : env.entrySet()) {
            String name = e.getKey();
            if (name.startsWith("CANOPY_") && !name.equals("CANOPY_JAVA_OPTS")) {
                String key = name.toLowerCase(Locale.ROOT).replace('_', '.');
                if (!KEYS.containsKey(key)) {
                    throw new UserError("unknown environment variable " + name + ": Canopy reads " + String.join(", ",
                            KEYS.keySet().stream().map(MonitorSettings::envName).toList()));
                }
                canopy.put(key, e.getValue().trim());
                origin.put(key, "environment variable " + name);
            } else if (name.startsWith("KAFKA_")) {
                String key = name.substring(6).toLowerCase(Locale.ROOT).replace('_', '.');
                if (KAFKA_NAMES.contains(key)) {
                    kafka.put(key, e.getValue().trim());
                    origin.put(key, "environment variable " + name);
                }
            }
        }
        flags.forEach((k, v) -> {
            if (v != null) {
                canopy.put(k, v);
                origin.put(k, "flag");
            }
        });
        Values reader = new Values(canopy, origin);
        String bootstrap = reader.string("canopy.bootstrap.servers");
        if (bootstrap.isBlank()) {
            throw new UserError("no Kafka to connect to: give --bootstrap-servers HOST:PORT (or CANOPY_BOOTSTRAP_SERVERS, or canopy.bootstrap.servers in --config)");
        }
        String appId = reader.string("canopy.application.id");
        if (!appId.matches("[a-zA-Z0-9._-]{1,200}") || appId.matches("\\.+")) {
            // it names the state subdirectory and prefixes the internal topics
            throw reader.error("canopy.application.id", appId, "use 1 to 200 letters, digits, '.', '_' and '-' (not only dots)");
        }
        String stateDir = reader.string("canopy.state.dir");
        Path state = stateDir.isBlank() ? defaultStateDir() : Path.of(stateDir);
        String guarantee = reader.string("canopy.processing.guarantee");
        if (!guarantee.equals(StreamsConfig.EXACTLY_ONCE_V2) && !guarantee.equals(StreamsConfig.AT_LEAST_ONCE)) {
            throw reader.error("canopy.processing.guarantee", guarantee, "use exactly_once_v2 or at_least_once");
        }
        int vocab = reader.integer("canopy.vocabulary.size", 2);
        int pairs = reader.integer("canopy.pair.capacity", 2);
        int prompts = reader.integer("canopy.max.prompts", 1);
        int maxPosition = reader.integer("canopy.max.position", 0);
        if (maxPosition == Integer.MAX_VALUE) {
            throw reader.error("canopy.max.position", "" + maxPosition, "use a whole number below " + Integer.MAX_VALUE);
        }
        int maxNameBytes = reader.integer("canopy.max.name.bytes", 1);
        MonitorConfig monitor;
        try {
            monitor = new MonitorConfig(
                    new Topics(reader.topic("canopy.topic.tokens"), reader.topic("canopy.topic.dlq"),
                            reader.topic("canopy.topic.rollouts"), reader.topic("canopy.topic.metrics"),
                            reader.topic("canopy.topic.releases"), reader.topic("canopy.topic.alerts")),
                    new ReplayEngine.Options(vocab, pairs, prompts, new EventParser.Limits(maxPosition, maxNameBytes)),
                    reader.duration("canopy.idle.timeout"), reader.duration("canopy.window.size"),
                    reader.duration("canopy.window.advance"), reader.duration("canopy.window.grace"),
                    reader.integer("canopy.window.kept", 1),
                    new ShiftDetector.Settings(reader.decimal("canopy.shift.alpha"), reader.integer("canopy.shift.min.rollouts", 4),
                            reader.integer("canopy.shift.target.rollouts", 1)),
                    new SemanticSettings(reader.bool("canopy.semantic.enabled"), reader.integer("canopy.semantic.max.chars", 1),
                            reader.integer("canopy.semantic.per.prompt", 2), reader.integer("canopy.semantic.max.prompts", 1),
                            reader.positive("canopy.semantic.max.rate"), reader.integer("canopy.semantic.backlog", 1)));
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        int rf = reader.integer("canopy.topic.replication.factor", -1);
        if (rf == 0 || rf > Short.MAX_VALUE) {
            throw reader.error("canopy.topic.replication.factor", "" + rf, "use -1 (broker default) or a positive number");
        }
        MonitorSettings settings = new MonitorSettings(bootstrap, appId, reader.string("canopy.http.host"),
                reader.port("canopy.http.port"), state, reader.integer("canopy.topic.partitions", 1), (short) rf,
                reader.integer("canopy.metrics.max.releases", 1), reader.duration("canopy.metrics.release.ttl"),
                reader.integer("canopy.stream.threads", 1), guarantee, monitor, Map.copyOf(kafka),
                reader.duration("canopy.peer.timeout", MIN_PEER_TIMEOUT, MAX_PEER_TIMEOUT));
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

    static String envName(String key) {
        return key.toUpperCase(Locale.ROOT).replace('.', '_');
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
        p.putIfAbsent(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, Long.toString(32L << 20));
        p.putIfAbsent("processing.exception.handler.global.enabled", "true");
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

    /** Reads typed canopy.* values, naming the key and its origin in every error. */
    private record Values(Map<String, String> values, Map<String, String> origin) {

        String string(String key) {
            return values.getOrDefault(key, KEYS.get(key)[0]);
        }

        UserError error(String key, String value, String fix) {
            String from = origin.getOrDefault(key, "default");
            return new UserError("invalid value '" + value + "' for " + key + " (from " + from + "): " + fix);
        }

        int integer(String key, int min) {
            String v = string(key);
            try {
                int i = Integer.parseInt(v);
                if (i < min) {
                    throw error(key, v, "use a whole number of at least " + min);
                }
                return i;
            } catch (NumberFormatException e) {
                throw error(key, v, "use a whole number");
            }
        }

        double decimal(String key) {
            String v = string(key);
            try {
                return Double.parseDouble(v);
            } catch (NumberFormatException e) {
                throw error(key, v, "use a number such as 0.05");
            }
        }

        boolean bool(String key) {
            String v = string(key).toLowerCase(Locale.ROOT);
            if (v.equals("true") || v.equals("false")) {
                return Boolean.parseBoolean(v);
            }
            throw error(key, v, "use true or false");
        }

        double positive(String key) {
            String v = string(key);
            try {
                double d = Double.parseDouble(v);
                if (d > 0 && !Double.isInfinite(d)) {
                    return d;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw error(key, v, "use a positive number, such as " + KEYS.get(key)[0]);
        }

        int port(String key) {
            int p = integer(key, 0);
            if (p > 65535) {
                throw error(key, "" + p, "use a port from 0 to 65535");
            }
            return p;
        }

        String topic(String key) {
            String v = string(key);
            if (!v.matches("[a-zA-Z0-9._-]{1,249}")) {
                throw error(key, v, "topic names use letters, digits, '.', '_' and '-'");
            }
            return v;
        }

        Duration duration(String key, Duration min, Duration max) {
            Duration d = duration(key);
            if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
                throw error(key, string(key), "use a duration from " + min.toMillis() + "ms to " + max.toSeconds() + "s");
            }
            return d;
        }

        Duration duration(String key) {
            String v = string(key);
            try {
                return Durations.parse(v);
            } catch (IllegalArgumentException | DateTimeParseException e) {
                throw error(key, v, "use a duration such as 500ms, 30s, 10m, 1h, 7d or ISO-8601 (PT10M)");
            }
        }
    }
}
