package dev.canopy.app.demo;

import dev.canopy.simulator.EstimatorMode;
import dev.canopy.simulator.FleetCursor;
import dev.canopy.simulator.MarkovLanguageModel;
import dev.canopy.simulator.ModelStyles;
import dev.canopy.simulator.SimulatedFleet;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A simulated fleet publishing token events to Kafka at a steady rate: several models, each serving a
 * base-style release first and switching to a fine-tuned-style release after a delay (staggered per
 * model), so a monitor sees a release shift. Each model samples a fixed probe set of prompts, n samples
 * each, mixing exact, top-k and surprisal events, with a little malformed input, duplicates and
 * out-of-order delivery. Runs on its own thread until stopped.
 */
public final class FleetDriver implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(FleetDriver.class);
    public static final List<String> MODELS = List.of("sim-chat-8b", "sim-coder-7b", "sim-tutor-3b", "sim-story-1b");
    public static final String BASE_RELEASE = "base-2026-11-01";
    public static final String TUNED_RELEASE = "ft-2026-11-20";

    /**
     * Fleet settings.
     *
     * @param text whether events carry each token's (made-up) text, for semantic diversity
     */
    public record Settings(String bootstrapServers, String topic, int models, double recordsPerSecond,
                           Duration switchAfter, long seed, double malformedFraction, boolean text) {
        public Settings {
            if (models < 1 || models > MODELS.size()) {
                throw new IllegalArgumentException("--models must be between 1 and " + MODELS.size());
            }
            if (!(recordsPerSecond > 0)) {
                throw new IllegalArgumentException("--rate must be positive");
            }
        }
    }

    private final Settings settings;
    private final KafkaProducer<byte[], byte[]> producer;
    private final Thread thread;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final long startedAt = System.currentTimeMillis();

    public FleetDriver(Settings settings, Properties clientProperties) {
        this.settings = settings;
        Properties p = new Properties();
        p.putAll(clientProperties);
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        this.producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
        this.thread = new Thread(this::run, "canopy-fleet");
        this.thread.setDaemon(true);
    }

    public FleetDriver start() {
        thread.start();
        return this;
    }

    /** Records sent so far. */
    public long sent() {
        return sent.get();
    }

    /** The release a model serves at {@code elapsed} into the run. */
    public String releaseAt(int model, Duration elapsed) {
        Duration switchAt = settings.switchAfter().plus(settings.switchAfter().dividedBy(2).multipliedBy(model));
        return elapsed.compareTo(switchAt) < 0 ? BASE_RELEASE : TUNED_RELEASE;
    }

    private FleetCursor newCursor(int model, String release, int generation) {
        boolean tuned = release.equals(TUNED_RELEASE);
        long seed = settings.seed() * 1000 + model * 10L;
        MarkovLanguageModel lm = tuned ? ModelStyles.tuned(seed + 1, 48) : ModelStyles.base(seed, 48);
        return SimulatedFleet.builder()
                .stream(MODELS.get(model), release, lm)
                .seed(settings.seed() + 7919L * generation + model)
                .rolloutIdPrefix("req-" + Long.toString(startedAt, 36) + "-" + model + "-" + generation + "-")
                .promptSet(24, 16)
                .concurrency(32)
                .estimators(EstimatorMode.EXACT, EstimatorMode.TOPK, EstimatorMode.SURPRISAL, EstimatorMode.MIXED)
                .topK(20)
                .maxTokens(256)
                .shuffleWindow(4)
                .duplicateProbability(0.002)
                .malformedFraction(settings.malformedFraction())
                .text(settings.text())
                .build()
                .cursor();
    }

    private void run() {
        int models = settings.models();
        FleetCursor[] cursors = new FleetCursor[models];
        String[] releases = new String[models];
        int[] generations = new int[models];
        long t0 = System.nanoTime();
        long next = t0;
        double interval = 1e9 / settings.recordsPerSecond();
        int turn = 0;
        try {
            while (running.get()) {
                int m = turn++ % models;
                String release = releaseAt(m, Duration.ofNanos(System.nanoTime() - t0));
                if (!release.equals(releases[m])) {
                    if (releases[m] != null) {
                        LOG.info("fleet: {} switches from {} to {}", MODELS.get(m), releases[m], release);
                    }
                    releases[m] = release;
                    cursors[m] = newCursor(m, release, ++generations[m]);
                }
                if (!cursors[m].next((key, value) -> send(key, value))) {
                    cursors[m] = newCursor(m, release, ++generations[m]);
                    continue;
                }
                next += (long) interval;
                long sleep = next - System.nanoTime();
                if (sleep > 1_000_000) {
                    Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
                } else if (sleep < -1_000_000_000L) {
                    next = System.nanoTime(); // fell more than a second behind: do not burst to catch up
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            if (running.get()) {
                LOG.error("fleet stopped: {}", e.toString());
            }
        }
    }

    private void send(byte[] key, byte[] value) {
        producer.send(new ProducerRecord<>(settings.topic(), key, value), (meta, error) -> {
            if (error != null && failed.getAndIncrement() % 1000 == 0) {
                LOG.warn("fleet: could not publish an event: {}", error.toString());
            }
        });
        sent.incrementAndGet();
    }

    @Override
    public void close() {
        running.set(false);
        thread.interrupt();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(5));
    }

    /** Every model the fleet runs with its releases, for display. */
    public List<String> models() {
        return new ArrayList<>(MODELS.subList(0, settings.models()));
    }
}
