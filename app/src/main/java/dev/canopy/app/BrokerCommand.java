package dev.canopy.app;

import dev.canopy.core.UserError;
import dev.canopy.core.config.CanopyConfig;

import dev.canopy.monitor.MonitorSettings;
import dev.canopy.monitor.TopicSetup;
import dev.canopy.broker.EmbeddedKafkaBroker;
import dev.canopy.topology.Topics;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code canopy broker}: an embedded single-node Kafka for local use. */
@Command(name = "broker", mixinStandardHelpOptions = true,
        description = {"Runs an embedded single-node Kafka (KRaft) broker on 127.0.0.1 until Ctrl-C.",
                "For trying Canopy locally and for tests: no authentication, one replica, loopback only.",
                "It comes up with Canopy's topics (canopy.tokens, canopy.dlq, ...) created as 'canopy run' creates them,",
                "so producers (a connector, kcat) can start before the monitor; it creates no other topics on first use."})
public final class BrokerCommand implements Callable<Integer> {

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "9092", description = "Client port (default: ${DEFAULT-VALUE}; 0 picks a free one).")
    int port;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Keep the broker's data here across restarts (default: a temporary directory removed at exit).")
    Path dataDir;

    @Override
    public Integer call() throws InterruptedException {
        if (port < 0 || port > 65535) {
            throw new UserError("--port must be between 0 and 65535, got " + port);
        }
        EmbeddedKafkaBroker broker = startWithTopics(port, dataDir);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            broker.close();
            stopped.countDown();
        }, "canopy-broker-shutdown"));
        System.err.println("canopy: Kafka broker listening on " + broker.bootstrapServers() + " (data in " + broker.dataDir()
                + ") with topics " + String.join(", ", Topics.defaults().all()) + ". Ctrl-C stops it.");
        System.out.println(broker.bootstrapServers());
        System.out.flush();
        stopped.await();
        return 0;
    }

    /**
     * Starts the broker and creates the monitor's topics as {@code canopy run} with default settings
     * creates them (names from {@link Topics#defaults()}, partitions from {@code canopy.topic.partitions},
     * the dead-letter retention and the compacted releases topic from {@link TopicSetup}); topics that
     * exist already, in a reused {@code --data-dir}, are left as they are.
     *
     * @throws UserError when the port is taken or the topics cannot be created (the broker is stopped)
     */
    public static EmbeddedKafkaBroker startWithTopics(int port, Path dataDir) {
        EmbeddedKafkaBroker.Builder b = EmbeddedKafkaBroker.builder().port(port);
        if (dataDir != null) {
            b.dataDir(dataDir);
        }
        EmbeddedKafkaBroker broker;
        try {
            broker = b.start();
        } catch (IllegalStateException e) {
            throw new UserError(e.getMessage() + (port != 0 ? " (choose another --port, or 0 for any free port)" : ""));
        }
        try {
            MonitorSettings defaults = MonitorSettings.resolve(Map.of(CanopyConfig.BOOTSTRAP_SERVERS.name(), broker.bootstrapServers()), Map.of(), null);
            Topics topics = defaults.monitor().topics();
            TopicSetup.ensure(defaults.clientProperties(), broker.bootstrapServers(), defaults.topicPartitions(),
                    defaults.replicationFactor(), topics.all(), topics.deadLetter(), topics.releases());
        } catch (RuntimeException e) {
            broker.close();
            throw e;
        }
        return broker;
    }
}
