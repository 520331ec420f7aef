package dev.canopy.topology.config;

import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;

import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The Kafka client settings a user may pass through, and the one translation of {@code KAFKA_*}
 * environment variables to them: the rest of the variable, in lower case with underscores as dots,
 * names the setting ({@code KAFKA_SECURITY_PROTOCOL} sets {@code security.protocol}). Variables that
 * name no client setting (such as {@code KAFKA_HEAP_OPTS}, read by Kafka's own scripts) are ignored.
 * Every command that talks to Kafka reads the environment through this class.
 */
public final class KafkaClientSettings {

    public static final String ENV_PREFIX = "KAFKA_";

    /** Every producer, consumer, admin and Kafka Streams setting. */
    private static final Set<String> NAMES = names();

    private KafkaClientSettings() {
    }

    private static Set<String> names() {
        Set<String> names = new TreeSet<>();
        names.addAll(StreamsConfig.configDef().names());
        names.addAll(ProducerConfig.configNames());
        names.addAll(ConsumerConfig.configNames());
        names.addAll(AdminClientConfig.configNames());
        return Collections.unmodifiableSet(names);
    }

    /** Whether {@code key} is a producer, consumer, admin or Kafka Streams setting. */
    public static boolean isClientSetting(String key) {
        return NAMES.contains(key);
    }

    /** The client setting an environment variable names, if it is a {@code KAFKA_*} variable that names one. */
    public static Optional<String> settingOf(String variable) {
        if (!variable.startsWith(ENV_PREFIX)) {
            return Optional.empty();
        }
        String key = variable.substring(ENV_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.');
        return NAMES.contains(key) ? Optional.of(key) : Optional.empty();
    }

    /** The environment variable that sets a client setting: {@code security.protocol} is {@code KAFKA_SECURITY_PROTOCOL}. */
    public static String variableOf(String key) {
        return ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('.', '_');
    }

    /**
     * The client settings the environment gives, values trimmed.
     *
     * @param env the process environment (or a test's)
     */
    public static Map<String, String> fromEnvironment(Map<String, String> env) {
        Map<String, String> settings = new TreeMap<>();
        env.forEach((variable, value) -> settingOf(variable).ifPresent(key -> settings.put(key, value.trim())));
        return settings;
    }
}
