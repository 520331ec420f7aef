package dev.canopy.app.bench;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.ReplicaInfo;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * What a Kafka Streams application writes to its internal topics, read from the broker: for each changelog
 * the bytes of its log segments and its end offsets (records, transaction markers included), for each
 * repartition topic its end offsets only (the broker deletes what was consumed, so its size says little).
 * Two snapshots taken around a stretch of traffic give what that traffic cost in changelog bytes.
 */
final class ChangelogBytes {

    private static final String CHANGELOG = "-changelog";
    private static final String REPARTITION = "-repartition";

    /** Seconds any one admin request may take. */
    private static final long ADMIN_TIMEOUT_SECONDS = 30;

    private ChangelogBytes() {
    }

    /**
     * One internal topic at one moment, or the difference between two moments.
     *
     * @param store     the store it backs, or the repartition topic's name with " (repartition)"
     * @param changelog a changelog (else a repartition topic, whose bytes are left at 0)
     * @param bytes     bytes of its log segments, over all partitions and replicas
     * @param records   the sum of its partitions' end offsets
     */
    record Topic(String store, boolean changelog, long bytes, long records) {

        /** This less an earlier snapshot of the same topic (none: the topic is new, all of it counts). */
        Topic minus(Topic before) {
            return before == null ? this : new Topic(store, changelog, bytes - before.bytes, records - before.records);
        }
    }

    /** The internal topics of {@code applicationId} on the broker now, by store name, sorted. */
    static Map<String, Topic> snapshot(String bootstrap, String applicationId) throws InterruptedException {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(p)) {
            List<String> topics = new ArrayList<>();
            for (String t : admin.listTopics().names().get(ADMIN_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                if (storeOf(applicationId, t) != null) {
                    topics.add(t);
                }
            }
            Map<String, Topic> out = new TreeMap<>();
            if (topics.isEmpty()) {
                return out;
            }
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (TopicDescription d : admin.describeTopics(topics).allTopicNames().get(ADMIN_TIMEOUT_SECONDS, TimeUnit.SECONDS).values()) {
                d.partitions().forEach(tp -> latest.put(new TopicPartition(d.name(), tp.partition()), OffsetSpec.latest()));
            }
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends =
                    admin.listOffsets(latest).all().get(ADMIN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            Map<String, Long> records = new HashMap<>();
            ends.forEach((tp, info) -> records.merge(tp.topic(), info.offset(), Long::sum));
            List<Integer> brokers = admin.describeCluster().nodes().get(ADMIN_TIMEOUT_SECONDS, TimeUnit.SECONDS).stream()
                    .map(Node::id).toList();
            Map<String, Long> bytes = new HashMap<>();
            for (Map<String, LogDirDescription> dirs : admin.describeLogDirs(brokers).allDescriptions()
                    .get(ADMIN_TIMEOUT_SECONDS, TimeUnit.SECONDS).values()) {
                for (LogDirDescription dir : dirs.values()) {
                    for (Map.Entry<TopicPartition, ReplicaInfo> e : dir.replicaInfos().entrySet()) {
                        if (records.containsKey(e.getKey().topic())) {
                            bytes.merge(e.getKey().topic(), e.getValue().size(), Long::sum);
                        }
                    }
                }
            }
            for (String t : topics) {
                boolean changelog = t.endsWith(CHANGELOG);
                String store = storeOf(applicationId, t);
                out.put(store, new Topic(store, changelog, changelog ? bytes.getOrDefault(t, 0L) : 0, records.getOrDefault(t, 0L)));
            }
            return out;
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot read the internal topics of " + applicationId + ": " + e, e);
        }
    }

    /**
     * The store behind an internal topic of the application ({@code APP-STORE-changelog} gives STORE,
     * {@code APP-NAME-repartition} gives "NAME (repartition)"); null for any other topic.
     */
    static String storeOf(String applicationId, String topic) {
        String prefix = applicationId + "-";
        if (!topic.startsWith(prefix)) {
            return null;
        }
        for (String suffix : new String[] {CHANGELOG, REPARTITION}) {
            if (topic.endsWith(suffix) && topic.length() > prefix.length() + suffix.length()) {
                String name = topic.substring(prefix.length(), topic.length() - suffix.length());
                return suffix.equals(REPARTITION) ? name + " (repartition)" : name;
            }
        }
        return null;
    }

    /** What was written between two snapshots, topic by topic ({@code after}'s topics; one new since counts whole). */
    static Map<String, Topic> delta(Map<String, Topic> before, Map<String, Topic> after) {
        Map<String, Topic> out = new TreeMap<>();
        after.forEach((store, t) -> out.put(store, t.minus(before.get(store))));
        return out;
    }

    /** The bytes of the changelogs among {@code topics}. */
    static long changelogBytes(Map<String, Topic> topics) {
        return topics.values().stream().filter(Topic::changelog).mapToLong(Topic::bytes).sum();
    }
}
