package dev.canopy.core.config;

import dev.canopy.core.events.EventParser;
import dev.canopy.core.stats.GroupAccumulator;
import dev.canopy.core.stats.PairSample;
import dev.canopy.core.entropy.StepEntropy;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every {@code canopy.*} configuration key of the monitor, each defined once with its default, rule
 * and meaning. {@link #KEYS} lists them in the order of the reference (docs/configuration.md, written
 * by {@link ConfigReference}).
 */
public final class CanopyConfig {

    /** Default topic names: the one place they are spelt. */
    public static final String TOKENS_TOPIC = "canopy.tokens";
    public static final String DEAD_LETTER_TOPIC = "canopy.dlq";
    public static final String ROLLOUTS_TOPIC = "canopy.rollouts";
    public static final String METRICS_TOPIC = "canopy.metrics";
    public static final String RELEASES_TOPIC = "canopy.releases";
    public static final String ALERTS_TOPIC = "canopy.alerts";

    public static final int DEFAULT_HTTP_PORT = 9400;
    public static final double DEFAULT_SHIFT_ALPHA = 0.05;
    public static final int DEFAULT_SEMANTIC_MAX_CHARS = 4000;
    public static final int DEFAULT_SEMANTIC_PER_PROMPT = 32;
    public static final int DEFAULT_SEMANTIC_MAX_PROMPTS = 1000;
    public static final double DEFAULT_SEMANTIC_MAX_RATE = 100;
    public static final int DEFAULT_SEMANTIC_BACKLOG = 10_000;

    private static final String TOPIC_NAME = "[a-zA-Z0-9._-]{1,249}";
    private static final String TOPIC_NAME_RULE = "1 to 249 letters, digits, '.', '_' and '-'";
    private static final int MAX_PORT = 65_535;
    private static final int MAX_REPLICATION_FACTOR = Short.MAX_VALUE;
    /** Diversity compares rollouts of a prompt: it needs two. */
    private static final int MIN_SEMANTIC_PER_PROMPT = 2;
    /** The confidence sequences need a few rollouts (rho's Fisher weight is n - 3). */
    private static final int MIN_SHIFT_ROLLOUTS = 4;

    // Instance

    public static final ConfigKey<String> BOOTSTRAP_SERVERS = ConfigKey.string("canopy.bootstrap.servers",
            ConfigGroup.INSTANCE, "",
            "Kafka bootstrap servers, HOST:PORT[,HOST:PORT...] (required for run; flag --bootstrap-servers)");
    public static final ConfigKey<String> APPLICATION_ID = ConfigKey.matching("canopy.application.id",
            ConfigGroup.INSTANCE, "canopy-monitor", "(?!\\.+$)[a-zA-Z0-9._-]{1,200}",
            "1 to 200 letters, digits, '.', '_' and '-' (not only dots)",
            "Kafka Streams application id; instances sharing it split the work (it names the state subdirectory and prefixes internal topics)");
    public static final ConfigKey<String> HTTP_HOST = ConfigKey.string("canopy.http.host", ConfigGroup.INSTANCE,
            "127.0.0.1", "address the HTTP API and /metrics bind to (0.0.0.0 in containers; flag --http-host)");
    public static final ConfigKey<Integer> HTTP_PORT = ConfigKey.integer("canopy.http.port", ConfigGroup.INSTANCE,
            DEFAULT_HTTP_PORT, 0, MAX_PORT, "port of the HTTP API and /metrics; 0 picks a free port (flag --http-port)");
    public static final ConfigKey<String> STATE_DIR = ConfigKey.string("canopy.state.dir", ConfigGroup.INSTANCE, "",
            "Kafka Streams state directory, one subdirectory per application id (unset: ~/.canopy/state; flag --state-dir)");
    public static final ConfigKey<Duration> PEER_TIMEOUT = ConfigKey.duration("canopy.peer.timeout",
            ConfigGroup.INSTANCE, "2s", Duration.ofMillis(100), Duration.ofMinutes(1),
            "how long a report waits for another instance's part before answering without it (\"partial\": true)");

    // Topics

    public static final ConfigKey<String> TOPIC_TOKENS = topic("canopy.topic.tokens", TOKENS_TOPIC,
            "input topic of token events");
    public static final ConfigKey<String> TOPIC_DLQ = topic("canopy.topic.dlq", DEAD_LETTER_TOPIC, "dead-letter topic");
    public static final ConfigKey<String> TOPIC_ROLLOUTS = topic("canopy.topic.rollouts", ROLLOUTS_TOPIC,
            "completed rollouts");
    public static final ConfigKey<String> TOPIC_METRICS = topic("canopy.topic.metrics", METRICS_TOPIC,
            "cumulative and windowed metrics");
    public static final ConfigKey<String> TOPIC_RELEASES = topic("canopy.topic.releases", RELEASES_TOPIC,
            "releases, announced or inferred (compacted)");
    public static final ConfigKey<String> TOPIC_ALERTS = topic("canopy.topic.alerts", ALERTS_TOPIC,
            "shift detector verdicts");
    public static final ConfigKey<Integer> TOPIC_PARTITIONS = ConfigKey.integer("canopy.topic.partitions",
            ConfigGroup.TOPICS, 6, 1, Integer.MAX_VALUE, "partitions of topics the monitor creates when missing");
    public static final ConfigKey<Integer> TOPIC_REPLICATION_FACTOR = ConfigKey.integer(
            "canopy.topic.replication.factor", ConfigGroup.TOPICS, -1,
            rf -> rf == -1 || rf >= 1 && rf <= MAX_REPLICATION_FACTOR, "-1 or 1 … " + MAX_REPLICATION_FACTOR,
            "use -1 (broker default) or a positive number up to " + MAX_REPLICATION_FACTOR,
            "replication factor of created topics (-1: the broker's default)");

    // Rollouts and windows

    public static final ConfigKey<Duration> IDLE_TIMEOUT = ConfigKey.positiveDuration("canopy.idle.timeout",
            ConfigGroup.ROLLOUTS_AND_WINDOWS, "10m", "an incomplete rollout idle this long is abandoned");
    public static final ConfigKey<Duration> WINDOW_SIZE = ConfigKey.positiveDuration("canopy.window.size",
            ConfigGroup.ROLLOUTS_AND_WINDOWS, "1h",
            "rolling window length, by rollout completion time; a whole multiple of canopy.window.advance");
    public static final ConfigKey<Duration> WINDOW_ADVANCE = ConfigKey.positiveDuration("canopy.window.advance",
            ConfigGroup.ROLLOUTS_AND_WINDOWS, "1m", "window advance (and slice width)");
    public static final ConfigKey<Duration> WINDOW_GRACE = ConfigKey.duration("canopy.window.grace",
            ConfigGroup.ROLLOUTS_AND_WINDOWS, "5m", "how late a rollout may complete and still enter its window");
    public static final ConfigKey<Integer> WINDOW_KEPT = ConfigKey.integer("canopy.window.kept",
            ConfigGroup.ROLLOUTS_AND_WINDOWS, 60, 1, Integer.MAX_VALUE,
            "closed windows kept per release for /api/v1/windows");

    // Release shift detector

    public static final ConfigKey<Double> SHIFT_ALPHA = ConfigKey.between("canopy.shift.alpha", ConfigGroup.SHIFT,
            Double.toString(DEFAULT_SHIFT_ALPHA), 0, 1,
            "false-alarm probability per release pair, over all metrics and all time");
    public static final ConfigKey<Integer> SHIFT_MIN_ROLLOUTS = ConfigKey.integer("canopy.shift.min.rollouts",
            ConfigGroup.SHIFT, 50, MIN_SHIFT_ROLLOUTS, Integer.MAX_VALUE,
            "rollouts per release before the detector gives a verdict");
    public static final ConfigKey<Integer> SHIFT_TARGET_ROLLOUTS = ConfigKey.integer("canopy.shift.target.rollouts",
            ConfigGroup.SHIFT, 1000, 1, Integer.MAX_VALUE, "sample size at which the confidence sequences are tightest");

    // Semantic diversity

    public static final ConfigKey<Boolean> SEMANTIC_ENABLED = ConfigKey.bool("canopy.semantic.enabled",
            ConfigGroup.SEMANTIC, false,
            "semantic diversity: keep rollout texts in flight and embed completed rollouts (flag --semantic)");
    public static final ConfigKey<Integer> SEMANTIC_MAX_CHARS = ConfigKey.integer("canopy.semantic.max.chars",
            ConfigGroup.SEMANTIC, DEFAULT_SEMANTIC_MAX_CHARS, 1, Integer.MAX_VALUE,
            "characters of text kept per rollout (its beginning)");
    public static final ConfigKey<Integer> SEMANTIC_PER_PROMPT = ConfigKey.integer("canopy.semantic.per.prompt",
            ConfigGroup.SEMANTIC, DEFAULT_SEMANTIC_PER_PROMPT, MIN_SEMANTIC_PER_PROMPT, Integer.MAX_VALUE,
            "embedded rollouts kept per prompt (at least 2: diversity compares rollouts of a prompt); a uniform sample beyond");
    public static final ConfigKey<Integer> SEMANTIC_MAX_PROMPTS = ConfigKey.integer("canopy.semantic.max.prompts",
            ConfigGroup.SEMANTIC, DEFAULT_SEMANTIC_MAX_PROMPTS, 1, Integer.MAX_VALUE,
            "prompts with embedded rollouts kept per release; a uniform sample beyond");
    public static final ConfigKey<Double> SEMANTIC_MAX_RATE = ConfigKey.positive("canopy.semantic.max.rate",
            ConfigGroup.SEMANTIC, Long.toString((long) DEFAULT_SEMANTIC_MAX_RATE),
            "embeddings per second this instance may spend; rollouts the sample keeps wait for it");
    public static final ConfigKey<Integer> SEMANTIC_BACKLOG = ConfigKey.integer("canopy.semantic.backlog",
            ConfigGroup.SEMANTIC, DEFAULT_SEMANTIC_BACKLOG, 1, Integer.MAX_VALUE,
            "rollouts waiting for the embedding budget, per stream task; beyond, dropped and counted as over budget");

    // Statistics and input limits

    public static final ConfigKey<Integer> VOCABULARY_SIZE = ConfigKey.integer("canopy.vocabulary.size",
            ConfigGroup.STATISTICS, StepEntropy.DEFAULT_VOCABULARY_SIZE, 2, Integer.MAX_VALUE,
            "vocabulary size for the CE* upper bound of top-k steps");
    public static final ConfigKey<Integer> PAIR_CAPACITY = ConfigKey.integer("canopy.pair.capacity",
            ConfigGroup.STATISTICS, PairSample.DEFAULT_CAPACITY, 2, Integer.MAX_VALUE,
            "(N, r) pairs kept exactly per prompt group; a bottom-k sample beyond");
    public static final ConfigKey<Integer> MAX_PROMPTS = ConfigKey.integer("canopy.max.prompts",
            ConfigGroup.STATISTICS, GroupAccumulator.DEFAULT_MAX_PROMPTS, 1, Integer.MAX_VALUE,
            "prompt groups tracked per release; a uniform sample beyond");
    /** Below {@link Integer#MAX_VALUE}: a rollout's length is the largest position plus one. */
    public static final ConfigKey<Integer> MAX_POSITION = ConfigKey.integer("canopy.max.position",
            ConfigGroup.STATISTICS, EventParser.MAX_POSITION, 0, Integer.MAX_VALUE - 1,
            "largest accepted token position; larger is rejected (position_out_of_range)");
    public static final ConfigKey<Integer> MAX_NAME_BYTES = ConfigKey.integer("canopy.max.name.bytes",
            ConfigGroup.STATISTICS, EventParser.MAX_NAME_BYTES, 1, Integer.MAX_VALUE,
            "longest accepted model, release, rollout_id, prompt_id, finish_reason (UTF-8 bytes); longer is rejected (name_too_long)");

    // Prometheus metrics

    public static final ConfigKey<Integer> METRICS_MAX_RELEASES = ConfigKey.integer("canopy.metrics.max.releases",
            ConfigGroup.METRICS, 200, 1, Integer.MAX_VALUE,
            "model x release pairs exported to Prometheus; more are counted as overflow");
    public static final ConfigKey<Duration> METRICS_RELEASE_TTL = ConfigKey.duration("canopy.metrics.release.ttl",
            ConfigGroup.METRICS, "7d", "a release with no rollout for this long is retired from /metrics");

    // Kafka Streams

    public static final ConfigKey<Integer> STREAM_THREADS = ConfigKey.integer("canopy.stream.threads",
            ConfigGroup.STREAMS, 1, 1, Integer.MAX_VALUE, "Kafka Streams threads of this instance");
    public static final ConfigKey<String> PROCESSING_GUARANTEE = ConfigKey.oneOf("canopy.processing.guarantee",
            ConfigGroup.STREAMS, "exactly_once_v2", List.of("exactly_once_v2", "at_least_once"),
            "Kafka Streams processing guarantee");

    /** Every key, in the order of the reference. */
    public static final List<ConfigKey<?>> KEYS = List.of(
            BOOTSTRAP_SERVERS, APPLICATION_ID, HTTP_HOST, HTTP_PORT, STATE_DIR, PEER_TIMEOUT,
            TOPIC_TOKENS, TOPIC_DLQ, TOPIC_ROLLOUTS, TOPIC_METRICS, TOPIC_RELEASES, TOPIC_ALERTS,
            TOPIC_PARTITIONS, TOPIC_REPLICATION_FACTOR,
            IDLE_TIMEOUT, WINDOW_SIZE, WINDOW_ADVANCE, WINDOW_GRACE, WINDOW_KEPT,
            SHIFT_ALPHA, SHIFT_MIN_ROLLOUTS, SHIFT_TARGET_ROLLOUTS,
            SEMANTIC_ENABLED, SEMANTIC_MAX_CHARS, SEMANTIC_PER_PROMPT, SEMANTIC_MAX_PROMPTS, SEMANTIC_MAX_RATE,
            SEMANTIC_BACKLOG,
            VOCABULARY_SIZE, PAIR_CAPACITY, MAX_PROMPTS, MAX_POSITION, MAX_NAME_BYTES,
            METRICS_MAX_RELEASES, METRICS_RELEASE_TTL,
            STREAM_THREADS, PROCESSING_GUARANTEE);

    /** The topic keys, in the order of {@code Topics}' components. */
    public static final List<ConfigKey<String>> TOPIC_KEYS = List.of(
            TOPIC_TOKENS, TOPIC_DLQ, TOPIC_ROLLOUTS, TOPIC_METRICS, TOPIC_RELEASES, TOPIC_ALERTS);

    private static final Map<String, ConfigKey<?>> BY_NAME = byName();

    private CanopyConfig() {
    }

    private static ConfigKey<String> topic(String name, String defaultValue, String doc) {
        return ConfigKey.matching(name, ConfigGroup.TOPICS, defaultValue, TOPIC_NAME, TOPIC_NAME_RULE, doc);
    }

    private static Map<String, ConfigKey<?>> byName() {
        Map<String, ConfigKey<?>> m = new LinkedHashMap<>();
        for (ConfigKey<?> k : KEYS) {
            if (m.put(k.name(), k) != null) {
                throw new ExceptionInInitializerError("configuration key defined twice: " + k.name());
            }
        }
        return Collections.unmodifiableMap(m);
    }

    /** The key of that name, if Canopy has one. */
    public static Optional<ConfigKey<?>> key(String name) {
        return Optional.ofNullable(BY_NAME.get(name));
    }

    /** The key whose environment variable is {@code variable} ({@code CANOPY_WINDOW_SIZE}), if any. */
    public static Optional<ConfigKey<?>> keyOfEnvironmentVariable(String variable) {
        return KEYS.stream().filter(k -> k.envName().equals(variable)).findFirst();
    }
}
