package dev.canopy.app;

import dev.canopy.core.config.CanopyConfig;
import dev.canopy.core.UserError;

import dev.canopy.monitor.TopicSetup;
import dev.canopy.topology.ReleaseRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** {@code canopy release}: tells the monitor about releases. */
@Command(name = "release", mixinStandardHelpOptions = true,
        description = "Announces releases to the monitor (the compacted releases topic) and lists the known ones.",
        subcommands = {ReleaseCommand.Announce.class, ReleaseCommand.ListReleases.class})
public final class ReleaseCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "missing subcommand: announce or list");
    }

    /** {@code canopy release announce}. */
    @Command(name = "announce", mixinStandardHelpOptions = true,
            description = {"Announces a release: the monitor compares it with --baseline (default: the model's previous release)",
                    "from the moment it is deployed. Announcing again overwrites the record."})
    static final class Announce implements Callable<Integer> {
        @Mixin KafkaOptions kafka = new KafkaOptions();
        @Option(names = "--model", required = true) String model;
        @Option(names = "--release", required = true) String release;
        @Option(names = "--baseline", description = "The release to compare with.") String baseline;
        @Option(names = "--deployed-at", description = "ISO-8601 instant, e.g. 2026-11-20T09:00:00Z (default: now).") String deployedAt;
        @Option(names = "--topic", defaultValue = CanopyConfig.RELEASES_TOPIC, description = "Releases topic (default: ${DEFAULT-VALUE}).") String topic;

        @Override
        public Integer call() throws InterruptedException {
            if (model.isBlank() || release.isBlank()) {
                throw new UserError("--model and --release must not be empty");
            }
            long when;
            try {
                when = deployedAt == null ? System.currentTimeMillis() : Instant.parse(deployedAt).toEpochMilli();
            } catch (DateTimeParseException e) {
                throw new UserError("--deployed-at '" + deployedAt + "' is not an ISO-8601 instant such as 2026-11-20T09:00:00Z");
            }
            String bootstrap = kafka.bootstrapServers();
            Properties p = kafka.clientProperties();
            TopicSetup.ensure(p, bootstrap, 1, (short) -1, List.of(topic), "", topic);
            p.put(ProducerConfig.ACKS_CONFIG, "all");
            p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "30000");
            ReleaseRecord record = new ReleaseRecord(model, release, when, baseline, "announced");
            try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
                producer.send(new ProducerRecord<>(topic, record.key(), record.toJson())).get(30, TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException e) {
                throw new UserError("could not write to " + topic + " on " + bootstrap + ": " + e.getMessage());
            }
            System.out.println(new String(record.toJson(), java.nio.charset.StandardCharsets.UTF_8));
            return 0;
        }
    }

    /** {@code canopy release list}. */
    @Command(name = "list", mixinStandardHelpOptions = true, description = "Prints the known releases (announced and inferred), one JSON object a line.")
    static final class ListReleases implements Callable<Integer> {
        @Mixin KafkaOptions kafka = new KafkaOptions();
        @Option(names = "--topic", defaultValue = CanopyConfig.RELEASES_TOPIC) String topic;

        @Override
        public Integer call() {
            String bootstrap = kafka.bootstrapServers();
            Properties p = kafka.clientProperties();
            p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            Map<String, byte[]> latest = new TreeMap<>();
            try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
                List<TopicPartition> parts = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                        .map(i -> new TopicPartition(topic, i.partition())).toList();
                if (parts.isEmpty()) {
                    throw new UserError("topic " + topic + " does not exist on " + bootstrap + " (no release was announced or seen yet)");
                }
                consumer.assign(parts);
                consumer.seekToBeginning(parts);
                Map<TopicPartition, Long> end = consumer.endOffsets(parts);
                long deadline = System.currentTimeMillis() + 30_000;
                while (parts.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp)) && System.currentTimeMillis() < deadline) {
                    for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                        if (r.value() == null) {
                            latest.remove(r.key());
                        } else {
                            latest.put(r.key(), r.value());
                        }
                    }
                }
            } catch (org.apache.kafka.common.errors.TimeoutException e) {
                throw new UserError("cannot reach Kafka at " + bootstrap + ": " + e.getMessage());
            }
            latest.values().forEach(v -> System.out.println(new String(v, java.nio.charset.StandardCharsets.UTF_8)));
            return 0;
        }
    }
}
