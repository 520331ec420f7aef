package dev.canopy.app;

import dev.canopy.broker.EmbeddedKafkaBroker;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code canopy broker}: an embedded single-node Kafka for local use. */
@Command(name = "broker", mixinStandardHelpOptions = true,
        description = {"Runs an embedded single-node Kafka (KRaft) broker on 127.0.0.1 until Ctrl-C.",
                "For trying Canopy locally and for tests: no authentication, one replica, loopback only."})
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
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            broker.close();
            stopped.countDown();
        }, "canopy-broker-shutdown"));
        System.err.println("canopy: Kafka broker listening on " + broker.bootstrapServers() + " (data in " + broker.dataDir()
                + "). Ctrl-C stops it.");
        System.out.println(broker.bootstrapServers());
        System.out.flush();
        stopped.await();
        return 0;
    }
}
