package dev.canopy.monitor;

import dev.canopy.core.UserError;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Creates the monitor's topics when they are missing (existing topics are left as they are), and raises the
 * record limit of accumulator changelogs that an older version created with Kafka's 1 MiB default.
 */
public final class TopicSetup {

    private static final Logger LOG = LoggerFactory.getLogger(TopicSetup.class);

    private TopicSetup() {
    }

    /**
     * For each of {@code changelogs} that exists with a {@code max.message.bytes} below {@code bytes}, sets
     * it to {@code bytes} (Kafka Streams creates a changelog with its store's settings only when it is
     * missing, so a state written by an older Canopy keeps the old limit). Missing topics are skipped:
     * Kafka Streams creates them with the right limit. When the cluster refuses the change, logs the
     * command an operator can run and goes on; returns the topics it changed.
     */
    public static List<String> raiseRecordLimit(Properties client, List<String> changelogs, int bytes) {
        List<String> raised = new ArrayList<>();
        try (Admin admin = Admin.create(adminProperties(client))) {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<ConfigResource> present = changelogs.stream().filter(existing::contains)
                    .map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t)).toList();
            if (present.isEmpty()) {
                return raised;
            }
            Map<ConfigResource, Config> configs = admin.describeConfigs(present).all().get(30, TimeUnit.SECONDS);
            Map<ConfigResource, Collection<AlterConfigOp>> changes = new LinkedHashMap<>();
            for (Map.Entry<ConfigResource, Config> e : configs.entrySet()) {
                ConfigEntry limit = e.getValue().get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG);
                if (limit == null || limit.value() == null || Long.parseLong(limit.value()) < bytes) {
                    changes.put(e.getKey(), List.of(new AlterConfigOp(
                            new ConfigEntry(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(bytes)), AlterConfigOp.OpType.SET)));
                }
            }
            for (Map.Entry<ConfigResource, KafkaFuture<Void>> e : admin.incrementalAlterConfigs(changes).values().entrySet()) {
                String topic = e.getKey().name();
                try {
                    e.getValue().get(30, TimeUnit.SECONDS);
                    raised.add(topic);
                    LOG.info("raised {} of changelog {} to {} bytes", TopicConfig.MAX_MESSAGE_BYTES_CONFIG, topic, bytes);
                } catch (ExecutionException failed) {
                    LOG.warn("changelog {} keeps a {} below {} bytes ({}): a release accumulator larger than that will stop"
                                    + " the monitor. Run: kafka-configs.sh --bootstrap-server <servers> --alter --entity-type topics"
                                    + " --entity-name {} --add-config {}={}", topic, TopicConfig.MAX_MESSAGE_BYTES_CONFIG, bytes,
                            failed.getCause().getMessage(), topic, TopicConfig.MAX_MESSAGE_BYTES_CONFIG, bytes);
                }
            }
        } catch (TimeoutException | ExecutionException e) {
            LOG.warn("could not check the record limit of Canopy's changelogs ({}); see docs/state.md, \"Large records\"",
                    e instanceof ExecutionException ? e.getCause().getMessage() : "timed out");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return raised;
    }

    public static void ensure(Properties client, String bootstrap, int partitions, short replication, List<String> topics,
                              String deadLetter, String compacted) {
        try (Admin admin = Admin.create(adminProperties(client))) {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<NewTopic> missing = new ArrayList<>();
            for (String t : topics) {
                if (!existing.contains(t)) {
                    NewTopic nt = new NewTopic(t, Optional.of(partitions), replication < 0 ? Optional.empty() : Optional.of(replication));
                    if (t.equals(deadLetter)) {
                        nt.configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, Long.toString(TimeUnit.DAYS.toMillis(14))));
                    } else if (t.equals(compacted)) {
                        nt = new NewTopic(t, Optional.of(1), replication < 0 ? Optional.empty() : Optional.of(replication))
                                .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
                    }
                    missing.add(nt);
                }
            }
            if (!missing.isEmpty()) {
                try {
                    admin.createTopics(missing).all().get(30, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
            }
        } catch (TimeoutException e) {
            throw new UserError("cannot reach Kafka at " + bootstrap + " within 30 s: check --bootstrap-servers and the security.* / sasl.* settings");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException) {
                throw new UserError("cannot reach Kafka at " + bootstrap + ": " + e.getCause().getMessage()
                        + " (check --bootstrap-servers and the security.* / sasl.* settings)");
            }
            throw new UserError("Kafka at " + bootstrap + " refused to list or create topics: " + e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UserError("interrupted while creating topics");
        }
    }

    /** The client settings with the admin timeouts the set-up steps wait for. */
    private static Properties adminProperties(Properties client) {
        Properties p = new Properties();
        p.putAll(client);
        p.put("request.timeout.ms", "15000");
        p.put("default.api.timeout.ms", "30000");
        return p;
    }
}
