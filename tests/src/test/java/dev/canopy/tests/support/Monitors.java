package dev.canopy.tests.support;

import dev.canopy.monitor.MonitorApp;
import dev.canopy.monitor.MonitorSettings;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/** Starting in-process monitors and waiting on their HTTP API. */
public final class Monitors {

    /** Long enough for a cold Kafka Streams start with EOS on two cores; never waited out on success. */
    public static final Duration READY_TIMEOUT = Duration.ofSeconds(180);

    private Monitors() {
    }

    /**
     * Settings of one test monitor: the test's topics, its own application id and state directory, a
     * free HTTP port on 127.0.0.1, plus {@code canopy} overrides (canopy.* keys). {@code kafka} client
     * settings go through a properties file, as {@code --config} would pass them. The process
     * environment is not consulted, so CANOPY_* variables of the machine cannot change a test.
     */
    public static MonitorSettings settings(String bootstrap, String applicationId, Path stateDir, TestTopics topics,
                                           Map<String, String> canopy, Map<String, String> kafka) {
        Map<String, String> flags = new LinkedHashMap<>();
        flags.put("canopy.bootstrap.servers", bootstrap);
        flags.put("canopy.application.id", applicationId);
        flags.put("canopy.state.dir", stateDir.toString());
        flags.put("canopy.http.host", "127.0.0.1");
        flags.put("canopy.http.port", "0");
        flags.putAll(topics.settings());
        flags.putAll(canopy);
        return MonitorSettings.resolve(flags, Map.of(), kafka.isEmpty() ? null : propertiesFile(stateDir, kafka));
    }

    /** Writes settings to {@code monitor.properties} beside the state directory; returns the file. */
    public static Path propertiesFile(Path stateDir, Map<String, String> settings) {
        try {
            Path file = stateDir.resolveSibling(stateDir.getFileName() + "-monitor.properties");
            Properties p = new Properties();
            p.putAll(settings);
            try (Writer w = Files.newBufferedWriter(file)) {
                p.store(w, "written by the integration test");
            }
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts a monitor and waits until {@code /readyz} answers 200 (Kafka Streams RUNNING). */
    public static MonitorApp startReady(MonitorSettings settings) {
        MonitorApp app = MonitorApp.start(settings, new PrometheusRegistry());
        try {
            awaitReady(app.httpPort());
        } catch (RuntimeException | Error e) {
            app.close();
            throw e;
        }
        return app;
    }

    public static void awaitReady(int port) {
        Poll.until("GET /readyz on port " + port + " to answer 200", READY_TIMEOUT,
                () -> Http.get(port, "/readyz"), Http.Response::ok);
    }

    /**
     * Polls {@code GET /api/v1/report} until its totals are {@code expected}; returns that body. A 503
     * (stores restoring) or 502 (another instance unreachable during a rebalance) is "not yet".
     */
    public static String awaitReport(int port, Reports.Totals expected, Duration timeout) {
        return Poll.until("GET /api/v1/report on port " + port + " to reach " + expected, timeout,
                () -> Http.getOk(port, "/api/v1/report"),
                body -> Reports.totals(body).equals(expected),
                body -> Reports.totals(body).toString());
    }
}
