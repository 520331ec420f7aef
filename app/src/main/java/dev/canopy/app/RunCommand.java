package dev.canopy.app;

import dev.canopy.app.monitor.MonitorApp;
import dev.canopy.app.monitor.MonitorSettings;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code canopy run}: the monitor against any Kafka cluster. */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Runs the monitor: reads token events from Kafka, writes rollouts, metrics and rejects, serves the HTTP API and /metrics.",
                "", "Settings, lowest precedence first: defaults, --config FILE, CANOPY_* and KAFKA_* environment variables, flags.",
                "Every key is listed in the README's configuration reference."},
        footer = {"", "Example:", "  canopy run --bootstrap-servers kafka-1:9092 --http-port 9400 --config canopy.properties"})
public final class RunCommand implements Callable<Integer> {

    @Mixin
    MonitorOptions options = new MonitorOptions();

    @Override
    public Integer call() throws InterruptedException {
        MonitorSettings settings = MonitorSettings.resolve(options.flags(), System.getenv(), options.configFile());
        return runUntilStopped(settings);
    }

    static int runUntilStopped(MonitorSettings settings) throws InterruptedException {
        CountDownLatch stopped = new CountDownLatch(1);
        MonitorApp app = MonitorApp.start(settings, new PrometheusRegistry());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            app.close();
            stopped.countDown();
        }, "canopy-shutdown"));
        System.err.println("canopy: monitoring " + settings.monitor().topics().tokens() + " on " + settings.bootstrapServers()
                + "; live page at http://" + settings.httpHost() + ":" + app.httpPort() + "/, report at /api/v1/report, metrics at /metrics. Ctrl-C stops.");
        stopped.await();
        return 0;
    }
}
