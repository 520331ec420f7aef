package dev.canopy.app;

import dev.canopy.core.UserError;
import dev.canopy.core.config.CanopyConfig;
import dev.canopy.core.config.ConfigKey;

import dev.canopy.app.demo.ConsoleView;
import dev.canopy.app.demo.DemoLogging;
import dev.canopy.app.demo.FleetDriver;
import dev.canopy.monitor.Durations;
import dev.canopy.monitor.MonitorApp;
import dev.canopy.monitor.MonitorSettings;
import dev.canopy.broker.EmbeddedKafkaBroker;
import dev.canopy.core.report.Report;
import dev.canopy.topology.StoreReports;
import dev.canopy.topology.WindowValue;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/** {@code canopy demo}: everything on this machine, with a live console view. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Everything on this machine: embedded broker, monitor, simulated fleet, live view.",
                "A simulated fleet of models switches from a base release to a fine-tuned one. The live web page (printed",
                "first), /metrics and the HTTP API are served as by 'canopy run'.",
                "Ctrl-C or --duration ends everything cleanly."})
public final class DemoCommand implements Callable<Integer> {

    @Option(names = "--duration", converter = Durations.Converter.class, description = "Stop after this long (default: until Ctrl-C).")
    Duration duration;

    @Option(names = "--http-port", defaultValue = "9400", description = "Port of the HTTP API and /metrics (default: ${DEFAULT-VALUE}; 0 picks a free port).")
    int httpPort;

    @Option(names = "--models", defaultValue = "2", description = "Simulated models, 1 to 4 (default: ${DEFAULT-VALUE}).")
    int models;

    @Option(names = "--rate", defaultValue = "1500", description = "Event records per second from the fleet (default: ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--switch-after", defaultValue = "45s", converter = Durations.Converter.class,
            description = "When the first model switches to its fine-tuned release (default: ${DEFAULT-VALUE}).")
    Duration switchAfter;

    @Option(names = "--no-semantic", description = "Do not measure semantic diversity. It is on in the demo: the fleet's events carry made-up "
            + "token text, embedded on this machine's CPU (at most 100 rollouts/s).")
    boolean noSemantic;

    @Option(names = "--refresh", defaultValue = "5s", converter = Durations.Converter.class, description = "Console refresh interval (default: ${DEFAULT-VALUE}).")
    Duration refresh;

    @Override
    public Integer call() throws Exception {
        DemoLogging.quietExpectedKafkaWarnings();
        try {
            CanopyConfig.HTTP_PORT.check(httpPort);
        } catch (ConfigKey.InvalidValue e) {
            throw new UserError("--http-port " + httpPort + ": " + e.fix());
        }
        FleetDriver.Settings fleetSettings;
        try {
            fleetSettings = new FleetDriver.Settings("placeholder", CanopyConfig.TOKENS_TOPIC, models, rate, switchAfter, 42, 0.001, !noSemantic);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        Path stateDir = Files.createTempDirectory("canopy-demo-state");
        System.err.println("canopy: starting an embedded Kafka broker...");
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().start();
        MonitorApp app = null;
        FleetDriver fleet = null;
        AtomicBoolean closed = new AtomicBoolean();
        CountDownLatch stopped = new CountDownLatch(1);
        try {
            Map<String, String> flags = new HashMap<>();
            flags.put(CanopyConfig.BOOTSTRAP_SERVERS.name(), broker.bootstrapServers());
            flags.put(CanopyConfig.HTTP_PORT.name(), Integer.toString(httpPort));
            flags.put(CanopyConfig.APPLICATION_ID.name(), "canopy-demo");
            flags.put(CanopyConfig.STATE_DIR.name(), stateDir.toString());
            flags.put(CanopyConfig.TOPIC_PARTITIONS.name(), "3");
            flags.put(CanopyConfig.IDLE_TIMEOUT.name(), "60s");
            flags.put(CanopyConfig.WINDOW_SIZE.name(), "5m");
            flags.put(CanopyConfig.WINDOW_ADVANCE.name(), "10s");
            flags.put(CanopyConfig.WINDOW_GRACE.name(), "10s");
            flags.put(CanopyConfig.WINDOW_KEPT.name(), "30");
            flags.put(CanopyConfig.SEMANTIC_ENABLED.name(), Boolean.toString(!noSemantic));
            MonitorSettings settings = MonitorSettings.resolve(flags, Map.of(), null);
            System.err.println("canopy: starting the monitor...");
            app = MonitorApp.start(settings, new PrometheusRegistry());
            String pageUrl = "http://127.0.0.1:" + app.httpPort() + "/";
            System.err.println("canopy: the live page is at " + pageUrl + " (open it in a browser)");
            FleetDriver.Settings fs = new FleetDriver.Settings(broker.bootstrapServers(), settings.monitor().topics().tokens(),
                    fleetSettings.models(), fleetSettings.recordsPerSecond(), fleetSettings.switchAfter(), fleetSettings.seed(),
                    fleetSettings.malformedFraction(), fleetSettings.text());
            fleet = new FleetDriver(fs, new Properties()).start();
            MonitorApp monitor = app;
            FleetDriver driver = fleet;
            Runnable shutdown = () -> {
                if (closed.compareAndSet(false, true)) {
                    driver.close();
                    monitor.close();
                    broker.close();
                    deleteQuietly(stateDir);
                    stopped.countDown();
                }
            };
            Runtime.getRuntime().addShutdownHook(new Thread(shutdown, "canopy-demo-shutdown"));
            String metricsUrl = "http://127.0.0.1:" + app.httpPort() + "/metrics";
            long started = System.nanoTime();
            long deadline = duration == null ? Long.MAX_VALUE : started + duration.toNanos();
            boolean terminal = System.console() != null;
            app.failure().thenRun(stopped::countDown);
            while (!stopped.await(Math.min(refresh.toMillis(), Math.max(1, (deadline - System.nanoTime()) / 1_000_000)), TimeUnit.MILLISECONDS)) {
                Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
                String view;
                try {
                    StoreReports.Partial state = app.queries().local().partial();
                    Report report = state.report();
                    view = ConsoleView.render(report, g -> newest(monitor, g), state.semantic()::get, elapsed, driver.sent(),
                            monitor.metrics().inFlight(), metricsUrl, settings.monitor().windowSize());
                } catch (InvalidStateStoreException | IllegalStateException e) {
                    if (closed.get()) {
                        break; // stopped by Ctrl-C or SIGTERM while this view was being read
                    }
                    view = "Canopy demo: the monitor is starting (Kafka Streams " + app.state() + ")...\n";
                }
                view = "Live page: " + pageUrl + "  (open it in a browser)\n" + view;
                System.out.print(terminal ? "\u001b[H\u001b[2J" + view : view + "\n");
                System.out.flush();
                if (System.nanoTime() >= deadline) {
                    break;
                }
            }
            String failure = app.failure().getNow(null);
            shutdown.run();
            if (failure != null) {
                System.err.println("canopy: the demo's monitor stopped reading: " + failure + "; demo stopped.");
                return 1;
            }
            System.err.println("canopy: demo stopped.");
            return 0;
        } catch (RuntimeException | InterruptedException e) {
            if (closed.compareAndSet(false, true)) {
                if (fleet != null) {
                    fleet.close();
                }
                if (app != null) {
                    app.close();
                }
                broker.close();
                deleteQuietly(stateDir);
            }
            throw e;
        }
    }

    private static WindowValue newest(MonitorApp app, dev.canopy.core.stats.GroupMetrics g) {
        List<WindowValue> w = app.queries().local().windows(g.key());
        return w.isEmpty() ? null : w.get(w.size() - 1);
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort: a temporary directory
        }
    }
}
