package dev.canopy.tests.support;

import dev.canopy.core.config.CanopyConfig;
import dev.canopy.core.config.ConfigKey;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The monitor topics of one test, all named {@code PREFIX.SUFFIX}: every {@code canopy.topic.SUFFIX}
 * setting that names a topic (whatever topics the monitor has) is given, so tests sharing a broker
 * never share a topic.
 */
public record TestTopics(String prefix) {

    public static TestTopics prefixed(String prefix) {
        return new TestTopics(prefix);
    }

    /** The input topic (canopy.topic.tokens). */
    public String tokens() {
        return prefix + ".tokens";
    }

    /** The dead-letter topic (canopy.topic.dlq). */
    public String deadLetter() {
        return prefix + ".dlq";
    }

    /** The canopy.topic.* settings naming the topics (those whose default is a topic name). */
    public Map<String, String> settings() {
        Map<String, String> m = new LinkedHashMap<>();
        for (ConfigKey<String> key : CanopyConfig.TOPIC_KEYS) {
            m.put(key.name(), prefix + "." + key.name().substring("canopy.topic.".length()));
        }
        return m;
    }
}
