package dev.canopy.monitor.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.canopy.core.UserError;
import dev.canopy.core.report.ReportJson;
import dev.canopy.core.stats.GroupKey;
import dev.canopy.core.stats.GroupMetrics;
import dev.canopy.monitor.query.PeerClient;
import dev.canopy.monitor.query.QueryService;
import dev.canopy.topology.StoreReports;
import dev.canopy.topology.WindowValue;
import io.prometheus.metrics.exporter.httpserver.MetricsHandler;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * The monitor's HTTP API, on the same port as {@code /metrics}:
 * <ul>
 *   <li>{@code GET /api/v1/report}: the cumulative report, in {@code canopy replay}'s schema, over all instances</li>
 *   <li>{@code GET /api/v1/windows?model=M&release=R}: the kept windows of one release, oldest first</li>
 *   <li>{@code GET /api/v1/shifts}: the shift detector's latest verdict per model, candidate release and metric</li>
 *   <li>{@code GET /healthz}: 200 while the process and its stream threads are alive, also while failed
 *       threads are being replaced (the monitor ends itself when that does not help)</li>
 *   <li>{@code GET /readyz}: 200 once Kafka Streams is RUNNING (stores restored, partitions assigned) and not
 *       stalled by failing stream threads; otherwise 503 with a one-line {@code reason}</li>
 *   <li>{@code GET /metrics}: Prometheus exposition</li>
 *   <li>{@code GET /}: the web page ({@link WebAssets}), and its JSON endpoints (see {@link WebPage})</li>
 * </ul>
 * Every request gets an answer. Errors are JSON objects with an {@code error} field; 503 with Retry-After
 * while the stores are not queryable or while another instance that holds the asked part does not answer
 * within {@code canopy.peer.timeout}. The report and the shifts answer without such an instance instead,
 * marked {@code "partial": true} with the {@code unreachable} instances and their partitions.
 * <p>
 * It reads only through the {@link QueryService} and the Kafka Streams state; it writes every JSON
 * body through {@link Json}.
 */
public final class HttpApi {

    private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);
    private static final String RETRY_AFTER_SECONDS = "2";
    /** Connections the kernel queues while every handler thread is busy. */
    private static final int BACKLOG = 64;
    private static final int THREADS = 4;

    private final QueryService queries;
    private final Supplier<KafkaStreams.State> streams;
    private final Supplier<Optional<String>> stalled;
    private final HttpServer server;
    private final ExecutorService executor;

    /**
     * Binds the API's port (not yet serving), so that the instance can advertise it before Kafka Streams
     * starts. A caller that does not go on to serve an {@code HttpApi} on it gives it to {@link #release}.
     *
     * @throws UserError when the port cannot be bound
     */
    public static HttpServer listen(String host, int port) {
        try {
            return HttpServer.create(new InetSocketAddress(host, port), BACKLOG);
        } catch (BindException e) {
            throw new UserError("cannot listen on " + host + ":" + port + " (" + e.getMessage() + "): choose another --http-port");
        } catch (IOException e) {
            throw new UserError("cannot start the HTTP API on " + host + ":" + port + ": " + e.getMessage());
        }
    }

    /**
     * Releases the port of a server from {@link #listen} that never started. Stopping it is not enough:
     * the JDK closes its listening channel, registered with the server's selector, only once its dispatcher
     * thread has selected again, so it is started to be stopped.
     */
    public static void release(HttpServer server) {
        server.start();
        server.stop(0);
    }

    /**
     * @param server  a bound server from {@link #listen}; {@link #stop} stops it
     * @param streams the Kafka Streams state, for {@code /healthz}, {@code /readyz} and the 503 answers
     * @param stalled why processing is stalled although Kafka Streams may be RUNNING (failing stream
     *                threads), for {@code /readyz}; empty when it is not
     */
    public HttpApi(HttpServer server, QueryService queries, Supplier<KafkaStreams.State> streams,
                   Supplier<Optional<String>> stalled, PrometheusRegistry registry) {
        this.server = server;
        this.queries = queries;
        this.streams = streams;
        this.stalled = stalled;
        this.executor = Executors.newFixedThreadPool(THREADS, r -> {
            Thread t = new Thread(r, "canopy-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/metrics", new MetricsHandler(registry));
        server.createContext("/api/v1/report", ex -> handle(ex, this::report));
        server.createContext(QueryService.WINDOWS_PATH, ex -> handle(ex, this::windows));
        server.createContext(QueryService.PARTIAL_PATH, ex -> handle(ex, e -> respond(e, 200, "application/octet-stream", queries.localPartial())));
        server.createContext("/api/v1/shifts", ex -> handle(ex, this::shifts));
        server.createContext(QueryService.SHIFTS_PATH, ex -> handle(ex, e -> respond(e, 200, "application/x-ndjson", queries.localShifts())));
        server.createContext("/healthz", ex -> handle(ex, this::health));
        server.createContext("/readyz", ex -> handle(ex, this::ready));
        WebPage web = new WebPage(queries);
        WebAssets assets = new WebAssets();
        server.createContext("/api/v1/releases", ex -> handle(ex, web::releases));
        server.createContext("/api/v1/series", ex -> handle(ex, web::series));
        server.createContext("/api/v1/compare", ex -> handle(ex, web::compare));
        server.createContext("/", ex -> handle(ex, assets::page));
    }

    public void start() {
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** Stops serving and releases the port. */
    public void stop() {
        server.stop(0);
        executor.shutdownNow();
    }

    @FunctionalInterface
    private interface Handler {
        void handle(HttpExchange exchange) throws Exception;
    }

    /**
     * Runs an endpoint so that every request gets an answer: the endpoint's, or a JSON error (503 with
     * Retry-After when the cause passes: stores not queryable, another instance not answering). The
     * exchange is closed only after the error is written (a try-with-resources would close it first,
     * and the client would see the connection drop with no reply).
     */
    private void handle(HttpExchange ex, Handler h) {
        try {
            if (!ex.getRequestMethod().equals("GET") && !ex.getRequestMethod().equals("HEAD")) {
                error(ex, 405, "only GET is supported");
                return;
            }
            h.handle(ex);
        } catch (InvalidStateStoreException e) {
            unavailable(ex, "state stores are not queryable now (Kafka Streams is " + streams.get() + "); retry shortly");
        } catch (PeerClient.UnavailableException e) {
            unavailable(ex, e.getMessage() + "; retry shortly");
        } catch (IllegalStateException e) {
            KafkaStreams.State s = streams.get();
            if (s == KafkaStreams.State.RUNNING || s == KafkaStreams.State.REBALANCING) {
                failed(ex, e);
            } else {
                unavailable(ex, "Kafka Streams is " + s + ": state stores are not queryable");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            unavailable(ex, "interrupted while answering; retry shortly");
        } catch (Exception | Error e) {
            failed(ex, e);
            if (e instanceof Error err && !(e instanceof LinkageError)) {
                throw err;
            }
        } finally {
            ex.close();
        }
    }

    private void unavailable(HttpExchange ex, String reason) {
        if (ex.getResponseCode() == -1) {
            ex.getResponseHeaders().set("Retry-After", RETRY_AFTER_SECONDS);
        }
        errorQuietly(ex, 503, reason);
    }

    private void failed(HttpExchange ex, Throwable e) {
        if (e instanceof IOException && ex.getResponseCode() != -1) {
            LOG.debug("HTTP {}: client went away: {}", ex.getRequestURI(), e.toString());
            return;
        }
        LOG.warn("HTTP {} failed", ex.getRequestURI(), e);
        errorQuietly(ex, 500, e.toString());
    }

    /** Writes an error unless a response has begun (then the client sees the connection close); never throws. */
    private static void errorQuietly(HttpExchange ex, int status, String message) {
        if (ex.getResponseCode() != -1) {
            return;
        }
        try {
            error(ex, status, message);
        } catch (IOException | RuntimeException e) {
            LOG.debug("HTTP {}: could not send the {} answer: {}", ex.getRequestURI(), status, e.toString());
        }
    }

    /** A release's kept windows as {@code GET /api/v1/windows} answers them (also what another instance sends the page). */
    static byte[] windowsJson(GroupKey key, List<WindowValue> windows) throws IOException {
        return Json.indented(g -> {
            g.writeStartObject();
            g.writeStringField("model", key.model());
            g.writeStringField("release", key.release());
            g.writeArrayFieldStart("windows");
            for (WindowValue w : windows) {
                g.writeStartObject();
                g.writeNumberField("window_start", w.start());
                g.writeNumberField("window_end", w.end());
                g.writeBooleanField("closed", w.closed());
                ReportJson.writeGroupFields(GroupMetrics.of(key, w.accumulator()), g);
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        }, false);
    }

    /**
     * The cumulative report, with each release's {@code semantic} block when semantic diversity is on. When
     * another instance gives no part in time, the report holds the rest and says so (see {@link Json#missing}).
     */
    private void report(HttpExchange ex) throws Exception {
        QueryService.Answer<StoreReports.Partial> all = queries.state();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ReportJson.write(all.value().report(), out, queries.semantic() ? all.value().semanticExtension() : ReportJson.GroupExtension.NONE,
                g -> Json.missing(all.missing(), g));
        respond(ex, 200, "application/json", out.toByteArray());
    }

    private void windows(HttpExchange ex) throws Exception {
        Map<String, String> q = query(ex.getRequestURI().getRawQuery());
        String model = q.get("model");
        String release = q.get("release");
        if (model == null || release == null || model.isEmpty() || release.isEmpty()) {
            error(ex, 400, "give model and release: /api/v1/windows?model=M&release=R");
            return;
        }
        GroupKey key = new GroupKey(model, release);
        if (q.containsKey("local")) {
            // another instance asking for what this one holds: never forwarded again
            respond(ex, 200, "application/json", windowsJson(key, queries.local().windows(key)));
            return;
        }
        QueryService.Windows windows = queries.windows(key);
        respond(ex, 200, "application/json", windows.remote() ? windows.fromOwner() : windowsJson(key, windows.local()));
    }

    private void shifts(HttpExchange ex) throws Exception {
        QueryService.Answer<List<byte[]>> all = queries.shifts();
        respond(ex, 200, "application/json", Json.indented(g -> {
            g.writeStartObject();
            g.writeArrayFieldStart("shifts");
            for (byte[] v : all.value()) {
                g.writeRawValue(new String(v, StandardCharsets.UTF_8));
            }
            g.writeEndArray();
            Json.missing(all.missing(), g);
            g.writeEndObject();
        }, true));
    }

    private void health(HttpExchange ex) throws IOException {
        KafkaStreams.State s = streams.get();
        boolean alive = s != KafkaStreams.State.ERROR && s != KafkaStreams.State.NOT_RUNNING && s != KafkaStreams.State.PENDING_ERROR;
        respond(ex, alive ? 200 : 503, "application/json", Json.line(g -> {
            g.writeStartObject();
            g.writeStringField("status", alive ? "ok" : "failed");
            g.writeStringField("streams", String.valueOf(s));
            g.writeEndObject();
        }));
    }

    private void ready(HttpExchange ex) throws IOException {
        KafkaStreams.State s = streams.get();
        String reason = notReady(s);
        boolean ready = reason == null;
        respond(ex, ready ? 200 : 503, "application/json", Json.line(g -> {
            g.writeStartObject();
            g.writeBooleanField("ready", ready);
            g.writeStringField("streams", String.valueOf(s));
            if (!ready) {
                g.writeStringField("reason", reason);
            }
            g.writeEndObject();
        }));
    }

    /** Why the instance is not ready, in one line; null when it is. */
    private String notReady(KafkaStreams.State s) {
        // between stream thread failures Kafka Streams rebalances and runs again: the failures are the reason then
        if (s == KafkaStreams.State.RUNNING || s == KafkaStreams.State.REBALANCING) {
            Optional<String> failing = stalled.get();
            if (failing.isPresent()) {
                return failing.get();
            }
        }
        return s == KafkaStreams.State.RUNNING ? null : "Kafka Streams is " + s;
    }

    static Map<String, String> query(String raw) {
        Map<String, String> out = new HashMap<>();
        if (raw == null) {
            return out;
        }
        for (String part : raw.split("&")) {
            int eq = part.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? part : part.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8);
            out.put(k, v);
        }
        return out;
    }

    /** A JSON error body, {@code {"error": message}}; also the page's ({@link WebPage}). */
    static void error(HttpExchange ex, int status, String message) throws IOException {
        respond(ex, status, "application/json", Json.line(g -> {
            g.writeStartObject();
            g.writeStringField("error", message);
            g.writeEndObject();
        }));
    }

    /** Writes {@code body} (nothing for HEAD); JSON types get {@code charset=utf-8}. */
    static void respond(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type + (type.startsWith("application/json") ? "; charset=utf-8" : ""));
        boolean head = ex.getRequestMethod().equals("HEAD");
        ex.sendResponseHeaders(status, head ? -1 : body.length);
        if (!head) {
            try (OutputStream os = ex.getResponseBody()) {
                os.write(body);
            }
        }
    }
}
