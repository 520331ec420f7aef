package dev.canopy.app.bench;

import java.io.IOException;
import java.io.Writer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * One monitor ({@code canopy run}) in a JVM of its own, as the launcher starts it, so that its memory is
 * its own and it can be killed: its configuration file, its log, its HTTP port on 127.0.0.1, and the
 * peak of its resident set as sampled from {@code /proc}. Started again after a kill, it is the same
 * instance (same configuration, same state directory).
 */
final class MonitorProcess implements AutoCloseable {

    /** The heap the launcher gives the monitor's JVM unless told otherwise. */
    static final String LAUNCHER_HEAP = "1g";

    /** The options the launcher gives the monitor's JVM, with this heap ({@code -Xmx}). */
    static List<String> jvmOptions(String heap) {
        return List.of("-Xmx" + heap, "-XX:+ExitOnOutOfMemoryError");
    }

    /** The main class of the {@code canopy} command. */
    private static final String MAIN_CLASS = "dev.canopy.app.Canopy";

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** How long one HTTP request may take: a report over a long history is not instant. */
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(20);

    /** How long a stopping JVM is given before it is killed. */
    private static final long STOP_SECONDS = 30;

    /** Lines of the log shown when the process fails. */
    private static final int LOG_TAIL_LINES = 15;

    private static final int HTTP_OK = 200;

    private final List<String> jvmOptions;
    private final String mainClass;
    /** Stops the JVM if the bench's own JVM exits first (Ctrl-C, SIGTERM, an error), so that no monitor outlives it. */
    private Thread stopOnExit;
    private final Path config;
    private final Path log;
    private final int port = freePort();
    private Process process;
    private long peakRss;

    /**
     * Writes the instance's configuration file ({@code settings}, on a free port of 127.0.0.1) to
     * {@code dir}, beside its log; starts nothing.
     */
    MonitorProcess(Map<String, String> settings, Path dir, String name, List<String> jvmOptions) throws IOException {
        this(settings, dir, name, jvmOptions, MAIN_CLASS);
    }

    /** The same with another main class in place of {@code canopy}'s (for tests: what to start). */
    MonitorProcess(Map<String, String> settings, Path dir, String name, List<String> jvmOptions, String mainClass) throws IOException {
        this.jvmOptions = jvmOptions;
        this.mainClass = mainClass;
        Properties p = new Properties();
        p.putAll(settings);
        p.setProperty("canopy.http.host", "127.0.0.1");
        p.setProperty("canopy.http.port", Integer.toString(port));
        Files.createDirectories(dir);
        config = dir.resolve(name + ".properties");
        log = dir.resolve(name + ".log");
        try (Writer w = Files.newBufferedWriter(config, StandardCharsets.UTF_8)) {
            p.store(w, "canopy bench: one monitor instance");
        }
    }

    /** Starts the JVM ({@code canopy run --config FILE}) on this JVM's class path; its output is appended to the log. */
    void start() throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass);
        cmd.add("run");
        cmd.add("--config");
        cmd.add(config.toString());
        forgetStopOnExit();
        Process started = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        process = started;
        stopOnExit = new Thread(() -> stop(started), "canopy-bench-stop-" + config.getFileName());
        Runtime.getRuntime().addShutdownHook(stopOnExit);
    }

    /** The JVM's process id (-1 before the first start). */
    long pid() {
        return process == null ? -1 : process.pid();
    }

    /** SIGTERM, then SIGKILL if the JVM has not stopped within {@link #STOP_SECONDS}. */
    private static void stop(Process p) {
        if (!p.isAlive()) {
            return;
        }
        p.destroy();
        try {
            if (!p.waitFor(STOP_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private void forgetStopOnExit() {
        if (stopOnExit != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(stopOnExit);
            } catch (IllegalStateException e) {
                // the JVM is already exiting: the hook runs, and stops a process that is stopped already
            }
            stopOnExit = null;
        }
    }

    boolean alive() {
        return process != null && process.isAlive();
    }

    /** An unclean stop: SIGKILL, no shutdown hook, no final commit. */
    void kill() throws InterruptedException {
        if (process != null) {
            sampleRss();
            process.destroyForcibly();
            process.waitFor(STOP_SECONDS, TimeUnit.SECONDS);
        }
    }

    /** The HTTP status of a GET of {@code path}; -1 when nothing answers. */
    int status(String path) {
        HttpResponse<String> r = get(path);
        return r == null ? -1 : r.statusCode();
    }

    /** The body of a GET of {@code path} when it answers 200, else null. */
    String body(String path) {
        HttpResponse<String> r = get(path);
        return r != null && r.statusCode() == HTTP_OK ? r.body() : null;
    }

    private HttpResponse<String> get(String path) {
        try {
            HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(REQUEST_TIMEOUT).build();
            return HTTP.send(req, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** {records read, rollouts measured} from the monitor's {@code /metrics}; null when it does not answer. */
    long[] counters() {
        String text = body("/metrics");
        return text == null ? null
                : new long[] {(long) MetricsText.sum(text, "canopy_events_total"), (long) MetricsText.sum(text, "canopy_rollouts_total")};
    }

    /**
     * The aggregate's emits so far: how many, their seconds in all, and how many took longer than the 0.55 s
     * above which the next emit waits past the 5 s period; null when /metrics does not answer.
     */
    double[] emits() {
        String text = body("/metrics");
        if (text == null) {
            return null;
        }
        double count = MetricsText.sum(text, "canopy_aggregate_emit_seconds_count");
        return new double[] {count, MetricsText.sum(text, "canopy_aggregate_emit_seconds_sum"),
                count - MetricsText.sum(text, "canopy_aggregate_emit_seconds_bucket", "le=\"0.55\"")};
    }

    /** The resident set now, in bytes (0 when the process is not running); keeps the peak, the kernel's high-water mark included. */
    long sampleRss() {
        if (!alive()) {
            return 0;
        }
        try {
            Map<String, Long> status = ProcStatus.read(Path.of("/proc", Long.toString(process.pid()), "status"));
            long rss = status.getOrDefault("VmRSS", 0L);
            synchronized (this) {
                peakRss = Math.max(peakRss, Math.max(rss, status.getOrDefault("VmHWM", 0L)));
            }
            return rss;
        } catch (IOException e) {
            return 0;
        }
    }

    /** The highest resident set seen over every start of this instance, in bytes. */
    synchronized long peakRss() {
        return peakRss;
    }

    /** The last lines of the log, for an error message. */
    String logTail() {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** A clean stop (SIGTERM), then SIGKILL if it takes too long. */
    @Override
    public void close() {
        forgetStopOnExit();
        if (process != null) {
            stop(process);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
