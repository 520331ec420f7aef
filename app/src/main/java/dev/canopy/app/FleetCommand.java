package dev.canopy.app;

import dev.canopy.core.config.CanopyConfig;
import dev.canopy.core.UserError;

import dev.canopy.app.demo.FleetDriver;
import dev.canopy.monitor.Durations;
import dev.canopy.connectors.kafka.TopicCheck;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** {@code canopy fleet}: the demo's simulated fleet, publishing to any Kafka. */
@Command(name = "fleet", mixinStandardHelpOptions = true,
        description = {"Publishes token events of simulated models to Kafka (demos, load tests).",
                "Each model serves a base release, then switches to a fine-tuned release (rho(N, r) turns positive)."})
public final class FleetCommand implements Callable<Integer> {

    @Mixin
    KafkaOptions kafka = new KafkaOptions();

    @Option(names = "--topic", defaultValue = CanopyConfig.TOKENS_TOPIC, description = "Input topic of the monitor (default: ${DEFAULT-VALUE}).")
    String topic;

    @Option(names = "--models", defaultValue = "2", description = "Simulated models, 1 to 4 (default: ${DEFAULT-VALUE}).")
    int models;

    @Option(names = "--rate", defaultValue = "2000", description = "Event records per second (default: ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--switch-after", defaultValue = "60s", converter = Durations.Converter.class,
            description = "When the first model switches to its fine-tuned release; the others follow at half-interval steps (default: ${DEFAULT-VALUE}).")
    Duration switchAfter;

    @Option(names = "--duration", converter = Durations.Converter.class, description = "Stop after this long (default: until Ctrl-C).")
    Duration duration;

    @Option(names = "--seed", defaultValue = "42", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--text", description = "Add each token's text (made-up words), so the monitor's --semantic can be tried.")
    boolean text;

    @Override
    public Integer call() throws InterruptedException {
        String bootstrapServers = kafka.bootstrapServers();
        Properties client = kafka.clientProperties();
        FleetDriver.Settings settings;
        try {
            settings = new FleetDriver.Settings(bootstrapServers, topic, models, rate, switchAfter, seed, 0.001, text);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        try (TopicCheck check = TopicCheck.admin(bootstrapServers, client, Duration.ofSeconds(10))) {
            if (Boolean.FALSE.equals(check.exists(topic))) {
                throw new UserError(TopicCheck.missingMessage(topic, bootstrapServers));
            }
        }
        FleetDriver fleet = new FleetDriver(settings, client).start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            fleet.close();
            stopped.countDown();
        }, "canopy-fleet-shutdown"));
        System.err.println("canopy: fleet of " + models + " models publishing ~" + (long) rate + " records/s to " + topic + " on "
                + bootstrapServers + ". Ctrl-C stops.");
        if (duration != null) {
            stopped.await(duration.toMillis(), TimeUnit.MILLISECONDS);
            fleet.close();
            System.err.println("canopy: fleet sent " + fleet.sent() + " records");
            return 0;
        }
        stopped.await();
        return 0;
    }
}
