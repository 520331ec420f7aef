package dev.canopy.app;

import dev.canopy.monitor.MonitorApp;
import dev.canopy.monitor.MonitorSettings;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/** {@code canopy run}: the monitor against any Kafka cluster. */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Runs the monitor: reads token events from Kafka, writes rollouts, metrics and rejects, serves the HTTP API and /metrics.",
                "", "Settings, lowest precedence first: defaults, --config FILE, CANOPY_* and KAFKA_* environment variables, flags.",
                "Every key, its default and accepted values: docs/configuration.md."},
        footer = {"", "Example:", "  canopy run --bootstrap-servers kafka-1:9092 --http-port 9400 --config canopy.properties"})
public final class RunCommand implements Callable<Integer> {

    @Mixin
    MonitorOptions options = new MonitorOptions();

    @Override
    public Integer call() throws InterruptedException {
        MonitorSettings settings = MonitorSettings.resolve(options.flags(), System.getenv(), options.configFile());
        return runUntilStopped(settings);
    }

    /**
     * Runs the monitor until Ctrl-C (exit 0) or until its stream processing dies (Kafka Streams ERROR):
     * then one line names the cause and the exit status is 1, so a supervisor restarts the process
     * instead of keeping a live HTTP port in front of a dead topology.
     */
    static int runUntilStopped(MonitorSettings settings) throws InterruptedException {
        CompletableFuture<String> stopped = new CompletableFuture<>();
        MonitorApp app = MonitorApp.start(settings, new PrometheusRegistry());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            app.close();
            stopped.complete(null);
        }, "canopy-shutdown"));
        app.failure().thenAccept(stopped::complete);
        System.err.println("canopy: monitoring " + settings.monitor().topics().tokens() + " on " + settings.bootstrapServers()
                + "; live page at http://" + settings.httpHost() + ":" + app.httpPort() + "/, report at /api/v1/report, metrics at /metrics. Ctrl-C stops.");
        String failure;
        try {
            failure = stopped.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
        if (failure == null) {
            return 0;
        }
        System.err.println("canopy: the monitor stopped reading: " + failure + "; exiting with status 1 so that a supervisor restarts it");
        app.close();
        return 1;
    }
}
