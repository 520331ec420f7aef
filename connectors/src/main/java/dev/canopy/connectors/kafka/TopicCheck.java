package dev.canopy.connectors.kafka;

import dev.canopy.core.config.CanopyConfig;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Whether a topic exists, asked with an admin client, for connectors that publish to a topic they do not
 * create. Canopy's topics are created by {@code canopy run} (the monitor) and by {@code canopy broker};
 * a Kafka cluster with {@code auto.create.topics.enable=false} (Canopy's broker, most production
 * clusters) answers a producer for any other missing topic with "unknown topic or partition", over and
 * over, which does not say what to do. {@link #missingMessage} does.
 */
public interface TopicCheck extends AutoCloseable {

    /** Answer of a check that cannot tell (no connection, not authorised to describe). */
    Boolean UNKNOWN = null;

    /**
     * @return true if the topic exists, false if Kafka says it does not and will not create it on first
     * use, {@link #UNKNOWN} (null) if this could not be found out or the cluster creates it on first use
     */
    Boolean exists(String topic);

    @Override
    default void close() {
    }

    /** A check that never knows: publishing goes ahead and the producer reports what it meets. */
    static TopicCheck none() {
        return topic -> UNKNOWN;
    }

    /**
     * A check through an admin client for {@code bootstrapServers} with the given client settings (TLS,
     * SASL: keys that are not admin settings are left out), each call waiting at most {@code timeout}.
     * The admin client is created at the first call and closed by {@link #close()}.
     */
    static TopicCheck admin(String bootstrapServers, Properties clientProperties, Duration timeout) {
        return new TopicCheck() {
            private Admin admin;

            @Override
            public synchronized Boolean exists(String topic) {
                try {
                    if (admin == null) {
                        Properties p = new Properties();
                        clientProperties.forEach((k, v) -> {
                            if (AdminClientConfig.configNames().contains(String.valueOf(k))) {
                                p.put(k, v);
                            }
                        });
                        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
                        p.put(AdminClientConfig.CLIENT_ID_CONFIG, "canopy-topic-check");
                        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(timeout.toMillis()));
                        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(timeout.toMillis()));
                        admin = Admin.create(p);
                    }
                    admin.describeTopics(List.of(topic)).allTopicNames().get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
                    return true;
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                        return UNKNOWN;
                    }
                    return createsOnFirstUse() ? UNKNOWN : Boolean.FALSE;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return UNKNOWN;
                } catch (TimeoutException | RuntimeException e) {
                    return UNKNOWN;
                }
            }

            /** Whether the broker says auto.create.topics.enable=true; false when it cannot be read. */
            private boolean createsOnFirstUse() {
                try {
                    long wait = timeout.toMillis() + 1000;
                    var nodes = admin.describeCluster().nodes().get(wait, TimeUnit.MILLISECONDS);
                    if (nodes.isEmpty()) {
                        return false;
                    }
                    ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, nodes.iterator().next().idString());
                    ConfigEntry e = admin.describeConfigs(List.of(broker)).all().get(wait, TimeUnit.MILLISECONDS)
                            .get(broker).get("auto.create.topics.enable");
                    return e != null && "true".equalsIgnoreCase(e.value());
                } catch (ExecutionException | TimeoutException | RuntimeException e) {
                    return false;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }

            @Override
            public synchronized void close() {
                if (admin != null) {
                    admin.close(Duration.ofSeconds(2));
                    admin = null;
                }
            }
        };
    }

    /** What to tell a user whose topic is missing: which topic, where, and three ways to create it. */
    static String missingMessage(String topic, String bootstrapServers) {
        return "Kafka topic '" + topic + "' does not exist on " + bootstrapServers + ", and Kafka did not create it on first"
                + " use (auto.create.topics.enable is off, as on Canopy's broker and most clusters). Create it: start the monitor once ('canopy run --bootstrap-servers " + bootstrapServers
                + "' creates Canopy's topics), or use 'canopy broker' locally (it starts with them), or run 'kafka-topics.sh"
                + " --bootstrap-server " + bootstrapServers + " --create --topic " + topic + " --partitions 6'."
                + (topic.equals(CanopyConfig.TOKENS_TOPIC) ? "" : " (Is --topic " + topic + " spelt as the monitor's canopy.topic.tokens?)");
    }
}
