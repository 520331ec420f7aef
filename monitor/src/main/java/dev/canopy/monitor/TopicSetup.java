package dev.canopy.monitor;

import dev.canopy.core.UserError;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Creates the monitor's topics when they are missing (existing topics are left as they are). */
public final class TopicSetup {

    private TopicSetup() {
    }

    public static void ensure(Properties client, String bootstrap, int partitions, short replication, List<String> topics,
                              String deadLetter, String compacted) {
        Properties p = new Properties();
        p.putAll(client);
        p.put("request.timeout.ms", "15000");
        p.put("default.api.timeout.ms", "30000");
        try (Admin admin = Admin.create(p)) {
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
}
