package dev.canopy.app.bench;

import dev.canopy.analysis.cli.Progress;
import dev.canopy.monitor.MonitorSettings;
import dev.canopy.monitor.TopicSetup;
import dev.canopy.topology.CanopyTopology;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

/**
 * The streaming stages over one workload already in its input topic, one after the other on the same
 * broker: a plain consumer, a stateless pass-through Kafka Streams application and the Canopy topology,
 * the last two with the monitor's own Streams settings (exactly_once_v2, 1 s commit interval, 32 MiB
 * cache). Each rate is taken over the span from the stage's first record to its last effect, so JVM
 * start-up, group joins and topic creation are not counted; everything shares this machine's cores
 * with the in-process broker.
 */
final class KafkaThroughput {

    /**
     * One stage's measured span.
     *
     * @param reprocessed records a stage read more than once (a Streams task reset under exactly-once re-reads
     *                    from its last commit); non-zero means the rate is overstated
     * @param cpuSeconds  CPU time of a Kafka Streams stage's stream threads from its first record ({@link StreamThreadCpu});
     *                    NaN for the other stages
     */
    record Span(long records, long tokens, double seconds, long reprocessed, double cpuSeconds) {
        Span(long records, long tokens, double seconds, long reprocessed) {
            this(records, tokens, seconds, reprocessed, Double.NaN);
        }

        Span withCpu(double cpu) {
            return new Span(records, tokens, seconds, reprocessed, cpu);
        }
    }

    private final String bootstrap;
    private final Path stateRoot;
    private final int partitions;
    private final int threads;
    private final int pairCapacity;
    private final PrintStream err;

    KafkaThroughput(String bootstrap, Path stateRoot, int partitions, int threads, int pairCapacity, PrintStream err) {
        this.bootstrap = bootstrap;
        this.stateRoot = stateRoot;
        this.partitions = partitions;
        this.threads = threads;
        this.pairCapacity = pairCapacity;
        this.err = err;
    }

    /** The monitor's settings for one workload: its own topics, application id and state directory. */
    MonitorSettings settings(String prefix, String applicationId) {
        return settings(prefix, applicationId, Map.of());
    }

    /**
     * The same, with further configuration keys ({@code extra} wins): another run can read a topic already
     * filled ({@code canopy.topic.tokens}) or turn semantic diversity on.
     */
    MonitorSettings settings(String prefix, String applicationId, Map<String, String> extra) {
        MonitorSettings s = MonitorSettings.resolve(flags(prefix, applicationId, extra), Map.of(), null);
        TopicSetup.ensure(s.clientProperties(), bootstrap, partitions, s.replicationFactor(), s.monitor().topics().all(),
                s.monitor().topics().deadLetter(), s.monitor().topics().releases());
        awaitLeaders(s.monitor().topics().tokens());
        return s;
    }

    /**
     * The configuration keys behind {@link #settings(String, String, Map)}, without creating any topic: what a
     * monitor in a process of its own is given as its configuration file.
     */
    Map<String, String> flags(String prefix, String applicationId, Map<String, String> extra) {
        Map<String, String> flags = new HashMap<>();
        flags.put("canopy.bootstrap.servers", bootstrap);
        flags.put("canopy.application.id", applicationId);
        flags.put("canopy.state.dir", stateRoot.resolve(applicationId).toString());
        flags.put("canopy.http.host", "127.0.0.1");
        flags.put("canopy.http.port", "0");
        flags.put("canopy.topic.partitions", Integer.toString(partitions));
        flags.put("canopy.stream.threads", Integer.toString(threads));
        flags.put("canopy.pair.capacity", Integer.toString(pairCapacity));
        for (String t : List.of("tokens", "dlq", "rollouts", "metrics", "releases", "alerts")) {
            flags.put("canopy.topic." + t, prefix + "." + t);
        }
        flags.putAll(extra);
        return flags;
    }

    /** Waits until every partition of a fresh topic has a leader, so the first records are not retried. */
    private void awaitLeaders(String topic) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(p)) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < deadline) {
                try {
                    TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS).get(topic);
                    if (d.partitions().stream().allMatch(tp -> tp.leader() != null && !tp.leader().isEmpty())) {
                        return;
                    }
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                        throw e;
                    }
                }
                TimeUnit.MILLISECONDS.sleep(100);
            }
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("cannot describe topic " + topic + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The broker's bootstrap address. */
    String bootstrap() {
        return bootstrap;
    }

    /** The directory under which every application of the run keeps its state. */
    Path stateRoot() {
        return stateRoot;
    }

    /** An idempotent producer (acks=all) of byte keys and values, batching as a busy gateway would. */
    KafkaProducer<byte[], byte[]> producer() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "10");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(256 * 1024));
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Long.toString(256L << 20));
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "60000");
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** Writes the workload to the topic with {@link #producer()}, keyed by rollout id. */
    Span produce(String topic, BenchEvents events) {
        Meter acked = new Meter();
        AtomicReference<Exception> failure = new AtomicReference<>();
        long start = System.nanoTime();
        try (KafkaProducer<byte[], byte[]> producer = producer();
             Progress ignored = progress("produce " + events.name(), acked, events.records())) {
            for (int i = 0; i < events.records(); i++) {
                producer.send(new ProducerRecord<>(topic, events.keys().get(i), events.values().get(i)), (m, e) -> {
                    if (e != null) {
                        failure.compareAndSet(null, e);
                    }
                    acked.record();
                });
            }
            producer.flush();
        }
        if (failure.get() != null) {
            throw new IllegalStateException("producing the " + events.name() + " workload failed: " + failure.get(), failure.get());
        }
        return new Span(events.records(), events.tokens(), (System.nanoTime() - start) / 1e9, 0);
    }

    /** A plain consumer (read_committed, as Streams reads under exactly-once) reading the topic from the start. */
    Span rawConsumer(String topic, BenchEvents events) throws TimeoutException {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "1000");
        Meter meter = new Meter();
        long checksum = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
             Progress ignored = progress("raw consumer " + events.name(), meter, events.records())) {
            List<TopicPartition> tps = new ArrayList<>();
            for (PartitionInfo info : consumer.partitionsFor(topic, Duration.ofSeconds(30))) {
                tps.add(new TopicPartition(topic, info.partition()));
            }
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            long deadline = System.nanoTime() + timeout(events).toNanos();
            while (meter.count() < events.records()) {
                if (System.nanoTime() > deadline) {
                    throw new TimeoutException("the raw consumer read " + meter.count() + " of " + events.records() + " records");
                }
                ConsumerRecords<byte[], byte[]> batch = consumer.poll(Duration.ofMillis(200));
                for (ConsumerRecord<byte[], byte[]> r : batch) {
                    checksum += r.value().length;
                }
                if (!batch.isEmpty()) {
                    meter.record(batch.count());
                }
            }
        }
        if (checksum != events.bytes()) {
            throw new IllegalStateException("the raw consumer read " + checksum + " bytes, expected " + events.bytes());
        }
        return span(meter, meter, events);
    }

    /**
     * {@code kcat -C} (librdkafka) reading the topic from the start to its end, read_committed, output
     * discarded; null when kcat is not on the PATH. The span is the process's whole life, start-up and
     * metadata included, so it understates the read rate a little on short topics.
     */
    Span kcat(String topic, BenchEvents events) throws InterruptedException, java.io.IOException {
        ProcessBuilder pb = new ProcessBuilder("kcat", "-C", "-b", bootstrap, "-t", topic, "-o", "beginning", "-e", "-q",
                "-X", "isolation.level=read_committed", "-f", "%k\n");
        pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.redirectError(ProcessBuilder.Redirect.DISCARD);
        long start = System.nanoTime();
        Process p;
        try {
            p = pb.start();
        } catch (java.io.IOException e) {
            return null;
        }
        if (!p.waitFor(timeout(events).toSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("kcat did not reach the end of " + topic + " within " + timeout(events).toSeconds() + " s");
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException("kcat exited with " + p.exitValue() + " reading " + topic);
        }
        return new Span(events.records(), events.tokens(), (System.nanoTime() - start) / 1e9, 0);
    }

    /** A stateless Kafka Streams application that copies the topic to another, with the monitor's Streams settings. */
    Span passThrough(MonitorSettings settings, BenchEvents events) throws TimeoutException, InterruptedException {
        String in = settings.monitor().topics().tokens();
        String out = in + ".copy";
        TopicSetup.ensure(settings.clientProperties(), bootstrap, partitions, settings.replicationFactor(), List.of(out), "", "");
        Meter meter = new Meter();
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(in, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("source"))
                .peek((k, v) -> meter.record(), Named.as("count"))
                .to(out, Produced.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("sink"));
        Properties props = settings.streamsProperties(null);
        String appId = settings.applicationId() + "-passthrough";
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateRoot.resolve(appId).toString());
        StreamThreadCpu cpu = new StreamThreadCpu(appId);
        try (KafkaStreams streams = new KafkaStreams(builder.build(), props);
             Progress ignored = progress("pass-through " + events.name(), meter, events.records())) {
            streams.start();
            await(streams, () -> {
                cpu.startWhen(meter.count() > 0);
                return meter.count() >= events.records();
            }, timeout(events), "pass-through");
            Span s = span(meter, meter, events).withCpu(cpu.seconds());
            streams.close(Duration.ofSeconds(30));
            return s;
        }
    }

    /**
     * The Canopy topology, built as the monitor builds it: done when every record was read and every rollout
     * whose final record is in the workload has reached the aggregates.
     */
    Span canopy(MonitorSettings settings, BenchEvents events) throws TimeoutException, InterruptedException {
        MeteringObserver observer = new MeteringObserver();
        Meter read = observer.read;
        Meter measured = observer.measured;
        StreamThreadCpu cpu = new StreamThreadCpu(settings.applicationId());
        try (KafkaStreams streams = new KafkaStreams(CanopyTopology.build(settings.monitor(), observer), settings.streamsProperties(null));
             Progress ignored = progress("canopy " + events.name(), read, events.records(), measured, events.rollouts())) {
            streams.start();
            await(streams, () -> {
                cpu.startWhen(read.count() > 0);
                return read.count() >= events.records() && measured.count() >= events.rollouts();
            }, timeout(events), "canopy");
            Span s = span(read, measured, events).withCpu(cpu.seconds());
            streams.close(Duration.ofSeconds(30));
            return s;
        }
    }

    static Span span(Meter start, Meter end, BenchEvents events) {
        long last = Math.max(start.lastNanos(), end.lastNanos());
        return new Span(events.records(), events.tokens(), (last - start.firstNanos()) / 1e9,
                Math.max(0, start.count() - events.records()));
    }

    static Duration timeout(BenchEvents events) {
        return Duration.ofSeconds(120 + events.records() / 5_000);
    }

    private static void await(KafkaStreams streams, BooleanSupplier done, Duration timeout, String what)
            throws TimeoutException, InterruptedException {
        await(streams, done, timeout, what, Duration.ofMillis(20));
    }

    static void await(KafkaStreams streams, BooleanSupplier done, Duration timeout, String what, Duration poll)
            throws TimeoutException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.getAsBoolean()) {
            KafkaStreams.State s = streams.state();
            if (s == KafkaStreams.State.ERROR || s == KafkaStreams.State.NOT_RUNNING || s == KafkaStreams.State.PENDING_ERROR) {
                throw new IllegalStateException("the " + what + " application stopped (" + s + ") before it was done");
            }
            if (System.nanoTime() > deadline) {
                throw new TimeoutException("the " + what + " application was not done within " + timeout.toSeconds() + " s");
            }
            TimeUnit.MILLISECONDS.sleep(poll.toMillis());
        }
    }

    Progress progress(String stage, Meter meter, long total) {
        return new Progress(err, 2000, () -> String.format("canopy bench: %s: %s of %s records", stage,
                Progress.count(meter.count()), Progress.count(total)));
    }

    private Progress progress(String stage, Meter read, long records, Meter rollouts, long total) {
        return new Progress(err, 2000, () -> String.format("canopy bench: %s: %s of %s records read, %s of %s rollouts measured",
                stage, Progress.count(read.count()), Progress.count(records), Progress.count(rollouts.count()), Progress.count(total)));
    }
}
