package dev.canopy.tests.prometheus;

import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Prometheus server (Debian's {@code /usr/bin/prometheus}, else the first on PATH) run as a child
 * process for one test class: it listens on 127.0.0.1 only, keeps its TSDB and its log in the directory
 * given, scrapes one target as job {@code canopy} and evaluates the given rule files. Without a
 * {@code prometheus} binary the calling test fails (it is a required tool, like promtool).
 *
 * <p>Queries go through the HTTP API as Grafana's datasource sends them (POSTed form parameters, so that
 * long expressions need no URL length headroom). Limits: one target, one scrape interval; the evaluation
 * interval equals the scrape interval.
 */
final class PrometheusServer implements AutoCloseable {

    /** The outcome of {@code /api/v1/query}: {@code status} "success" or "error" and the answer's {@code data} or error. */
    record QueryResult(String status, String resultType, JsonNode result, String error) {

        boolean ok() {
            return "success".equals(status);
        }

        /** True when the answer holds a sample: a non-empty vector or matrix, or any scalar or string. */
        boolean hasData() {
            if (!ok()) {
                return false;
            }
            return switch (resultType) {
                case "vector", "matrix" -> result.size() > 0;
                default -> true;
            };
        }

        /** The value of each vector sample, in answer order. */
        List<Double> values() {
            List<Double> out = new ArrayList<>();
            if ("vector".equals(resultType)) {
                result.forEach(s -> out.add(Double.parseDouble(s.path("value").get(1).asText())));
            }
            return out;
        }
    }

    private static final Path DEBIAN = Path.of("/usr/bin/prometheus");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    private static final int PORT_ATTEMPTS = 3;

    private final Process process;
    private final int port;
    private final Path log;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private PrometheusServer(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /**
     * Starts Prometheus scraping {@code target} (host:port) every {@code interval} as job {@code canopy},
     * with {@code ruleFiles} loaded, and waits until {@code /-/ready} answers 200.
     */
    static PrometheusServer start(Path dir, String target, Duration interval, List<Path> ruleFiles) throws IOException, InterruptedException {
        Path executable = executable();
        Files.createDirectories(dir);
        Path config = dir.resolve("prometheus.yml");
        Files.writeString(config, config(target, interval, ruleFiles));
        IllegalStateException lastFailure = null;
        for (int attempt = 1; attempt <= PORT_ATTEMPTS; attempt++) {
            int port = freePort();
            Path log = dir.resolve("prometheus-" + attempt + ".log");
            Process process = new ProcessBuilder(executable.toString(),
                    "--config.file=" + config,
                    "--storage.tsdb.path=" + dir.resolve("data"),
                    "--web.listen-address=127.0.0.1:" + port,
                    "--log.level=info")
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            process.getOutputStream().close();
            PrometheusServer server = new PrometheusServer(process, port, log);
            try {
                server.awaitReady();
                return server;
            } catch (IllegalStateException e) {
                server.close();
                lastFailure = e;
                if (!server.logTail().contains("address already in use")) {
                    throw e;
                }
            }
        }
        throw lastFailure;
    }

    /** The generated configuration: global intervals equal to {@code interval}, one static target. */
    static String config(String target, Duration interval, List<Path> ruleFiles) {
        String every = interval.toMillis() + "ms";
        StringBuilder yaml = new StringBuilder()
                .append("# Generated by PrometheusIT.\n")
                .append("global:\n")
                .append("  scrape_interval: ").append(every).append('\n')
                .append("  scrape_timeout: ").append(every).append('\n')
                .append("  evaluation_interval: ").append(every).append('\n')
                .append("rule_files:\n");
        for (Path rules : ruleFiles) {
            yaml.append("  - '").append(rules.toAbsolutePath()).append("'\n");
        }
        return yaml.append("scrape_configs:\n")
                .append("  - job_name: canopy\n")
                .append("    metrics_path: /metrics\n")
                .append("    static_configs:\n")
                .append("      - targets: ['").append(target).append("']\n")
                .toString();
    }

    int port() {
        return port;
    }

    /** POST /api/v1/query (instant query at the server's "now"). */
    QueryResult query(String expr) throws IOException, InterruptedException {
        JsonNode body = post("/api/v1/query", "query=" + URLEncoder.encode(expr, StandardCharsets.UTF_8));
        return new QueryResult(body.path("status").asText(), body.path("data").path("resultType").asText(""),
                body.path("data").path("result"), body.path("errorType").asText("") + ": " + body.path("error").asText(""));
    }

    /** GET /api/v1/label/NAME/values, restricted to the series of {@code match} when it is not null. */
    List<String> labelValues(String label, String match) throws IOException, InterruptedException {
        String path = "/api/v1/label/" + URLEncoder.encode(label, StandardCharsets.UTF_8) + "/values"
                + (match == null ? "" : "?match[]=" + URLEncoder.encode(match, StandardCharsets.UTF_8));
        JsonNode body = get(path);
        if (!"success".equals(body.path("status").asText())) {
            throw new IOException("GET " + path + " failed: " + body);
        }
        List<String> out = new ArrayList<>();
        body.path("data").forEach(v -> out.add(v.asText()));
        return out;
    }

    /** GET a JSON document of the HTTP API (e.g. /api/v1/rules). */
    JsonNode get(String pathAndQuery) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(uri(pathAndQuery)).timeout(Duration.ofSeconds(30)).GET().build();
        return JSON.readTree(client.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8)).body());
    }

    private JsonNode post(String path, String form) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form, StandardCharsets.UTF_8)).build();
        return JSON.readTree(client.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8)).body());
    }

    /** The last lines of Prometheus's own log, for failure messages. */
    String logTail() {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    private void awaitReady() throws InterruptedException {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("prometheus exited with status " + process.exitValue() + " before it was ready:\n" + logTail());
            }
            try {
                HttpRequest request = HttpRequest.newBuilder(uri("/-/ready")).timeout(Duration.ofSeconds(2)).GET().build();
                HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    return;
                }
                last = response.statusCode() + " " + response.body().trim();
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("prometheus not ready on 127.0.0.1:" + port + " within " + READY_TIMEOUT.toSeconds()
                + " s (last answer: " + last + "):\n" + logTail());
    }

    private URI uri(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + port + pathAndQuery);
    }

    /** Stops the process (SIGTERM, then SIGKILL after 20 s) and waits for it to exit. */
    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** /usr/bin/prometheus, else the first prometheus on PATH; fails the calling test when there is none. */
    static Path executable() {
        if (Files.isExecutable(DEBIAN)) {
            return DEBIAN;
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(dir, "prometheus");
            if (!dir.isEmpty() && Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return fail("prometheus not found at " + DEBIAN + " nor on PATH: install it with `apt-get install prometheus`"
                + " (Debian's package ships /usr/bin/prometheus); PrometheusIT runs every dashboard and alert expression against it.");
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(false);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
