package dev.canopy.connectors.proxy;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.canopy.connectors.adapters.OpenAiAdapter;
import dev.canopy.connectors.adapters.StreamingAdapter;
import dev.canopy.connectors.events.RolloutContext;
import dev.canopy.connectors.events.RolloutIdGuard;
import dev.canopy.connectors.events.RolloutIdSource;
import dev.canopy.connectors.events.TokenEventSink;
import dev.canopy.connectors.kafka.KafkaEventPublisher;
import io.prometheus.metrics.exporter.httpserver.MetricsHandler;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A reverse proxy in front of an OpenAI-compatible server that relays every response unchanged (apart
 * from the logprobs it asked for on the client's behalf, which it removes again) and publishes the
 * logprobs it reads as contract-v1 token events. This is {@code canopy proxy}; start it with
 * {@link #start(ProxyConfig)} and stop it with {@link #close()}. What clients see, what is not
 * instrumented, Kafka outages, limits and metrics: docs/connectors.md, "The proxy".
 */
public final class LogprobProxy implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LogprobProxy.class);
    /** Request headers not forwarded: hop-by-hop (RFC 9110 7.6.1), set by the client library, or meant for this proxy. */
    private static final Set<String> REQUEST_SKIP = Set.of("connection", "keep-alive", "proxy-connection", "proxy-authorization",
            "proxy-authenticate", "te", "trailer", "transfer-encoding", "upgrade", "host", "content-length", "expect", "http2-settings");
    /** Response headers not relayed: hop-by-hop, or recomputed by the JDK server. */
    private static final Set<String> RESPONSE_SKIP = Set.of("connection", "keep-alive", "proxy-connection", "te", "trailer",
            "transfer-encoding", "upgrade", "content-length", "date");
    private static final String HEALTH_PATH = "/canopy/healthz";
    private static final int COPY_BUFFER = 16 * 1024;

    /** JVM-wide settings the proxy needs, each applied only when not already set (see {@link #tuneJdkHttp()}). */
    static final Map<String, String> JDK_HTTP_SETTINGS = Map.of(
            // Nagle's algorithm would hold small SSE writes back.
            "sun.net.httpserver.nodelay", "true",
            // Seconds an idle upstream connection is kept: the JDK default (1200 s) outlives uvicorn's 5 s
            // keep-alive (vLLM, SGLang), and a request sent on a connection the server is closing fails.
            "jdk.httpclient.keepalive.timeout", "4");

    private final ProxyConfig config;
    private final TokenEventSink sink;
    private final KafkaEventPublisher publisher;
    private final PrometheusRegistry registry;
    private final ProxyMetrics metrics;
    private final RolloutIdGuard guard = new RolloutIdGuard(1 << 16);
    private final String upstreamBase;
    private final HttpServer server;
    private final ThreadPoolExecutor executor;
    private final ExecutorService clientExecutor;
    private final HttpClient client;
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile long lastAdapterWarning;
    private volatile boolean closing;
    private boolean closed;

    /**
     * Starts the proxy with a {@link KafkaEventPublisher} for {@code config}'s Kafka settings and a new
     * Prometheus registry (served on {@code metricsPath}). Returns once it listens.
     *
     * @throws UncheckedIOException if the listen address cannot be bound
     */
    public static LogprobProxy start(ProxyConfig config) {
        PrometheusRegistry registry = new PrometheusRegistry();
        KafkaEventPublisher publisher = new KafkaEventPublisher(new KafkaEventPublisher.Settings(config.bootstrapServers(),
                config.topic(), config.eventBufferBytes(), config.kafkaProperties()), registry);
        try {
            return new LogprobProxy(config, publisher, publisher, registry);
        } catch (RuntimeException e) {
            publisher.close(Duration.ZERO);
            throw e;
        }
    }

    /**
     * Starts the proxy publishing to {@code sink} (not closed by {@link #close()}); {@code config}'s Kafka
     * settings are ignored. For embedding and tests.
     */
    public static LogprobProxy start(ProxyConfig config, TokenEventSink sink, PrometheusRegistry registry) {
        return new LogprobProxy(config, sink, null, registry);
    }

    /**
     * Sets {@link #JDK_HTTP_SETTINGS} as system properties where unset. The JDK reads them once, when its
     * HTTP server and client classes are first used, so this runs before the proxy creates either; it
     * has no effect on them if the JVM used a JDK {@code HttpServer} or {@code HttpClient} before.
     */
    static void tuneJdkHttp() {
        JDK_HTTP_SETTINGS.forEach((key, value) -> {
            if (System.getProperty(key) == null) {
                System.setProperty(key, value);
            }
        });
    }

    private LogprobProxy(ProxyConfig config, TokenEventSink sink, KafkaEventPublisher publisher, PrometheusRegistry registry) {
        tuneJdkHttp();
        this.config = config;
        this.sink = sink;
        this.publisher = publisher;
        this.registry = registry;
        this.metrics = new ProxyMetrics(registry);
        String base = config.upstream().toString();
        this.upstreamBase = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        AtomicInteger n = new AtomicInteger();
        this.executor = new ThreadPoolExecutor(config.maxConcurrentRequests(), config.maxConcurrentRequests(), 60, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "canopy-proxy-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        executor.allowCoreThreadTimeOut(true);
        this.clientExecutor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "canopy-proxy-upstream");
            t.setDaemon(true);
            return t;
        });
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(config.connectTimeout())
                .executor(clientExecutor)
                .build();
        try {
            this.server = HttpServer.create(new InetSocketAddress(config.listenHost(), config.listenPort()), 256);
        } catch (IOException e) {
            executor.shutdownNow();
            clientExecutor.shutdownNow();
            throw new UncheckedIOException("cannot listen on " + config.listenHost() + ":" + config.listenPort()
                    + " (" + e.getMessage() + "): choose another --listen address", e);
        }
        server.setExecutor(executor);
        server.createContext(config.metricsPath(), new MetricsHandler(registry));
        server.createContext(HEALTH_PATH, this::health);
        server.createContext("/", this::handle);
        server.start();
        LOG.info("canopy proxy listening on {} -> {} (release {}, model from {}, top_logprobs {}, metrics {})",
                address(), upstreamBase, config.release(), config.modelSource(),
                config.topLogprobs() == null ? "as asked by clients" : config.topLogprobs(), config.metricsPath());
    }

    /** The bound listen address (useful with port 0). */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    /** The proxy's base URL, {@code http://host:port}. */
    public URI uri() {
        InetSocketAddress a = address();
        return URI.create("http://" + a.getHostString() + ":" + a.getPort());
    }

    /** The URL of the proxy's Prometheus metrics. */
    public URI metricsUri() {
        return uri().resolve(config.metricsPath());
    }

    public PrometheusRegistry registry() {
        return registry;
    }

    /** The Kafka publisher when started with {@link #start(ProxyConfig)}, else null. */
    public KafkaEventPublisher publisher() {
        return publisher;
    }

    /**
     * Graceful stop: new requests get {@code 503}, requests in flight get up to 5 seconds to finish (a
     * longer stream is cut, its rollouts published without {@code final}), then the listener closes and
     * the Kafka publisher (if the proxy owns one) gets up to 5 more seconds to deliver buffered events.
     * Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        closing = true;
        InetSocketAddress bound = address();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        try {
            while (inFlight.get() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        clientExecutor.shutdownNow();
        if (publisher != null) {
            publisher.close(Duration.ofSeconds(5));
        }
        LOG.info("canopy proxy on {} stopped", bound);
    }

    // ------------------------------------------------------------------ request handling

    private void health(HttpExchange ex) throws IOException {
        try (ex) {
            byte[] ok = "ok\n".getBytes(StandardCharsets.US_ASCII);
            ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
            ex.sendResponseHeaders(200, ok.length);
            ex.getResponseBody().write(ok);
        }
    }

    private void handle(HttpExchange ex) {
        long start = System.nanoTime();
        RequestPlan.Endpoint endpoint = RequestPlan.Endpoint.OTHER;
        int code = 0;
        inFlight.incrementAndGet();
        try {
            if (closing) {
                ex.getResponseHeaders().set("Connection", "close");
                code = proxyError(ex, 503, "shutting down");
                return;
            }
            String method = ex.getRequestMethod();
            URI uri = ex.getRequestURI();
            endpoint = RequestPlan.endpointOf(method, uri.getRawPath());
            InputStream in = ex.getRequestBody();
            byte[] head = readUpTo(in, config.maxBufferedBodyBytes() + 1);
            boolean tooLarge = head.length > config.maxBufferedBodyBytes();
            RequestPlan plan = tooLarge
                    ? RequestPlan.passthrough(endpoint, endpoint == RequestPlan.Endpoint.OTHER ? null : "body_too_large")
                    : RequestPlan.analyse(method, uri.getRawPath(), ex.getRequestHeaders(), head, config);
            if (plan.skipReason != null) {
                metrics.uninstrumented(plan.skipReason);
            }
            HttpRequest.BodyPublisher body;
            if (tooLarge) {
                body = HttpRequest.BodyPublishers.ofInputStream(() -> new SequenceInputStream(new ByteArrayInputStream(head), in));
            } else if (plan.upstreamBody != null) {
                body = HttpRequest.BodyPublishers.ofByteArray(plan.upstreamBody);
            } else if (head.length == 0 && !hasBody(ex.getRequestHeaders())) {
                body = HttpRequest.BodyPublishers.noBody();
            } else {
                body = HttpRequest.BodyPublishers.ofByteArray(head);
            }
            String target = upstreamBase + uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
            HttpRequest.Builder rb = HttpRequest.newBuilder(URI.create(target)).timeout(config.upstreamTimeout()).method(method, body);
            copyRequestHeaders(ex.getRequestHeaders(), rb, plan.instrument);
            HttpResponse<Flow.Publisher<List<ByteBuffer>>> resp;
            try {
                resp = client.send(rb.build(), HttpResponse.BodyHandlers.ofPublisher());
            } catch (HttpConnectTimeoutException | ConnectException e) {
                metrics.upstreamError("connect");
                code = proxyError(ex, 502, "upstream unreachable");
                return;
            } catch (HttpTimeoutException e) {
                metrics.upstreamError("timeout");
                code = proxyError(ex, 504, "upstream sent no response headers within " + config.upstreamTimeout());
                return;
            } catch (IOException e) {
                metrics.upstreamError("connect");
                LOG.debug("upstream request failed: {}", e.toString());
                code = proxyError(ex, 502, "upstream connection failed");
                return;
            }
            metrics.upstreamLatency(endpoint, System.nanoTime() - start);
            code = resp.statusCode();
            relay(ex, plan, resp);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            LOG.debug("client connection ended early: {}", e.toString());
        } catch (RuntimeException e) {
            LOG.warn("canopy proxy: request failed: {}", e.toString());
            if (code == 0) {
                try {
                    code = proxyError(ex, 502, "proxy error");
                } catch (IOException | RuntimeException ignored) {
                    // headers were already sent
                }
            }
        } finally {
            inFlight.decrementAndGet();
            if (code != 0) {
                metrics.request(endpoint, code);
            }
            ex.close();
        }
    }

    private void relay(HttpExchange ex, RequestPlan plan, HttpResponse<Flow.Publisher<List<ByteBuffer>>> resp) throws IOException {
        int status = resp.statusCode();
        Headers out = ex.getResponseHeaders();
        boolean events = plan.instrument && status == 200;
        String encoding = resp.headers().firstValue("content-encoding").orElse("identity");
        if (events && !encoding.equalsIgnoreCase("identity")) {
            events = false;
            metrics.uninstrumented("compressed_response");
        }
        String contentType = resp.headers().firstValue("content-type").orElse("").toLowerCase(Locale.ROOT);
        boolean sse = contentType.startsWith("text/event-stream");
        if (events && plan.stream != sse) {
            events = false;
            metrics.uninstrumented("unexpected_content_type");
        }
        boolean rewritesBody = events && plan.strip;
        copyResponseHeaders(resp.headers().map(), out);
        OptionalLong length = resp.headers().firstValueAsLong("content-length");
        UpstreamBody body = new UpstreamBody(config.upstreamIdleTimeout());
        resp.body().subscribe(body);
        try (InputStream in = body) {
            boolean noBody = "HEAD".equalsIgnoreCase(ex.getRequestMethod()) || status == 204 || status == 304 || status < 200;
            if (noBody) {
                ex.sendResponseHeaders(status, -1);
                return;
            }
            if (!events) {
                relayRaw(ex, status, length, in, sse);
            } else if (sse) {
                relayStream(ex, status, in, plan, context(plan));
            } else if (rewritesBody) {
                relayStripped(ex, status, length, in, context(plan));
            } else {
                relayObserved(ex, status, length, in, context(plan));
            }
        } catch (UpstreamBody.IdleException e) {
            upstreamWentIdle(ex, e);
        }
    }

    /**
     * The upstream stopped sending mid-body. Before the headers went out the client gets {@code 504};
     * after, closing the exchange (by the caller) ends a chunked body, and for a body of announced
     * length closes the connection short, so the client sees it end early. Either way no client waits
     * on a response that will not continue. (The response body stream must not be closed here: the
     * JDK server only drops the connection when the exchange itself finds the body short.)
     */
    private void upstreamWentIdle(HttpExchange ex, UpstreamBody.IdleException e) throws IOException {
        metrics.upstreamError("idle");
        LOG.info("canopy proxy: upstream sent nothing for {}; response cut", e.idle());
        if (ex.getResponseCode() == -1) {
            proxyError(ex, 504, "upstream stopped sending for " + e.idle());
        }
    }

    private void relayRaw(HttpExchange ex, int status, OptionalLong length, InputStream in, boolean sse) throws IOException {
        long len = length.isPresent() ? (length.getAsLong() == 0 ? -1 : length.getAsLong()) : 0;
        ex.sendResponseHeaders(status, len);
        if (len == -1) {
            return;
        }
        OutputStream os = ex.getResponseBody();
        SseBoundary boundary = new SseBoundary();
        byte[] buf = new byte[COPY_BUFFER];
        int n;
        try {
            while ((n = in.read(buf)) > 0) {
                os.write(buf, 0, n);
                os.flush();
                boundary.saw(buf, 0, n);
            }
        } catch (UpstreamBody.IdleException e) {
            if (sse && len == 0) {
                endStreamCut(os, boundary, e);
            }
            throw e;
        }
        os.close();
    }

    /** SSE: each piece is written and flushed first, then given to the adapter. */
    private void relayStream(HttpExchange ex, int status, InputStream in, RequestPlan plan, RolloutContext ctx) throws IOException {
        ex.sendResponseHeaders(status, 0);
        OutputStream os = ex.getResponseBody();
        SafeAdapter adapter = new SafeAdapter(OpenAiAdapter.stream(ctx, sink));
        SseLogprobStripper stripper = plan.strip ? new SseLogprobStripper() : null;
        SseBoundary boundary = new SseBoundary();
        byte[] buf = new byte[COPY_BUFFER];
        int n;
        try {
            while ((n = in.read(buf)) > 0) {
                if (stripper != null) {
                    stripper.process(buf, 0, n, os);
                } else {
                    os.write(buf, 0, n);
                }
                os.flush();
                boundary.saw(buf, 0, n);
                adapter.feed(buf, 0, n);
            }
            if (stripper != null) {
                stripper.finish(os);
            }
            os.close();
        } catch (UpstreamBody.IdleException e) {
            // open rollouts go out without final: the monitor counts them as abandoned, not measured
            adapter.abort();
            if (stripper != null) {
                stripper.finish(os);
            }
            endStreamCut(os, boundary, e);
            throw e;
        } catch (IOException e) {
            adapter.abort();
            throw e;
        }
        adapter.finish();
    }

    /**
     * Ends an SSE stream the upstream abandoned with an OpenAI-style error event (OpenAI's client
     * libraries raise it as an API error) and the end of the chunked body, so the client neither hangs
     * nor takes the cut stream for a complete one. A partial event is terminated first.
     */
    private static void endStreamCut(OutputStream os, SseBoundary boundary, UpstreamBody.IdleException e) throws IOException {
        String event = (boundary.atEventEnd() ? "" : "\n\n")
                + "data: {\"error\":{\"message\":\"canopy proxy: upstream sent nothing for " + e.idle()
                + "; stream cut\",\"type\":\"canopy_proxy_error\",\"code\":504}}\n\n";
        os.write(event.getBytes(StandardCharsets.UTF_8));
        os.close();
    }

    /** Whether the bytes seen so far end at an SSE event boundary (a blank line, or nothing yet). */
    private static final class SseBoundary {
        private int last = '\n';
        private int beforeLast = '\n';
        private int third = '\n';
        private int fourth = '\n';

        void saw(byte[] b, int off, int len) {
            for (int i = Math.max(off, off + len - 4); i < off + len; i++) {
                fourth = third;
                third = beforeLast;
                beforeLast = last;
                last = b[i];
            }
        }

        boolean atEventEnd() {
            return (last == '\n' && beforeLast == '\n') || (last == '\r' && beforeLast == '\r')
                    || (last == '\n' && beforeLast == '\r' && third == '\n' && fourth == '\r');
        }
    }

    /** Non-streamed, client asked for logprobs: relayed as it arrives, a copy (up to the limit) goes to the adapter. */
    private void relayObserved(HttpExchange ex, int status, OptionalLong length, InputStream in, RolloutContext ctx) throws IOException {
        long len = length.isPresent() ? (length.getAsLong() == 0 ? -1 : length.getAsLong()) : 0;
        ex.sendResponseHeaders(status, len);
        if (len == -1) {
            return;
        }
        OutputStream os = ex.getResponseBody();
        ByteArrayOutputStream copy = new ByteArrayOutputStream(length.isPresent() ? (int) Math.min(length.getAsLong(), 1 << 20) : 8192);
        boolean overflow = false;
        byte[] buf = new byte[COPY_BUFFER];
        int n;
        while ((n = in.read(buf)) > 0) {
            os.write(buf, 0, n);
            os.flush();
            if (!overflow) {
                if (copy.size() + n > config.maxBufferedBodyBytes()) {
                    overflow = true;
                    copy = null;
                } else {
                    copy.write(buf, 0, n);
                }
            }
        }
        os.close();
        if (overflow) {
            metrics.uninstrumented("response_too_large");
            return;
        }
        adaptWhole(copy.toByteArray(), ctx);
    }

    /** Non-streamed, logprobs added by the proxy: the body is read whole, stripped, written, then adapted. */
    private void relayStripped(HttpExchange ex, int status, OptionalLong length, InputStream in, RolloutContext ctx) throws IOException {
        byte[] body = readUpTo(in, config.maxBufferedBodyBytes() + 1);
        if (body.length > config.maxBufferedBodyBytes()) {
            metrics.uninstrumented("response_too_large");
            ex.sendResponseHeaders(status, 0);
            OutputStream os = ex.getResponseBody();
            os.write(body);
            in.transferTo(os);
            os.close();
            return;
        }
        byte[] stripped = LogprobStripper.strip(body, 0, body.length);
        byte[] outBody = stripped == null ? body : stripped;
        ex.sendResponseHeaders(status, outBody.length == 0 ? -1 : outBody.length);
        if (outBody.length > 0) {
            OutputStream os = ex.getResponseBody();
            os.write(outBody);
            os.close();
        }
        adaptWhole(body, ctx);
    }

    private void adaptWhole(byte[] body, RolloutContext ctx) {
        try {
            OpenAiAdapter.adaptResponse(body, ctx, sink);
        } catch (RuntimeException e) {
            adapterFailed(e);
        }
    }

    private RolloutContext context(RequestPlan plan) {
        String base = config.rolloutIds() == RolloutIdSource.GENERATED ? RolloutContext.randomBase() : null;
        return new RolloutContext(plan.model, config.release(), plan.promptId, base, config.includeText(),
                config.timestamps() ? System::currentTimeMillis : null,
                config.rolloutIds() == RolloutIdSource.RESPONSE ? guard : null);
    }

    private int proxyError(HttpExchange ex, int code, String message) throws IOException {
        byte[] body = ("{\"error\":{\"message\":\"canopy proxy: " + message + "\",\"type\":\"canopy_proxy_error\",\"code\":" + code + "}}")
                .getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(code, body.length);
        OutputStream os = ex.getResponseBody();
        os.write(body);
        os.close();
        return code;
    }

    private void copyRequestHeaders(Headers from, HttpRequest.Builder to, boolean instrument) {
        Set<String> skip = connectionTokens(from.get("Connection"));
        for (Map.Entry<String, List<String>> e : from.entrySet()) {
            String name = e.getKey().toLowerCase(Locale.ROOT);
            if (REQUEST_SKIP.contains(name) || skip.contains(name) || (instrument && name.equals("accept-encoding"))) {
                continue;
            }
            for (String v : e.getValue()) {
                try {
                    to.header(e.getKey(), v);
                } catch (IllegalArgumentException restricted) {
                    LOG.debug("header {} not forwarded: restricted by java.net.http", e.getKey());
                }
            }
        }
        if (instrument) {
            to.header("Accept-Encoding", "identity");
        }
    }

    private static void copyResponseHeaders(Map<String, List<String>> from, Headers to) {
        List<String> connection = null;
        for (Map.Entry<String, List<String>> e : from.entrySet()) {
            if (e.getKey().equalsIgnoreCase("connection")) {
                connection = e.getValue();
            }
        }
        Set<String> skip = connectionTokens(connection);
        for (Map.Entry<String, List<String>> e : from.entrySet()) {
            String name = e.getKey().toLowerCase(Locale.ROOT);
            if (name.startsWith(":") || RESPONSE_SKIP.contains(name) || skip.contains(name)) {
                continue;
            }
            to.put(e.getKey(), List.copyOf(e.getValue()));
        }
    }

    private static Set<String> connectionTokens(List<String> values) {
        if (values == null) {
            return Set.of();
        }
        Set<String> s = new HashSet<>();
        for (String v : values) {
            for (String t : v.split(",")) {
                if (!t.isBlank()) {
                    s.add(t.trim().toLowerCase(Locale.ROOT));
                }
            }
        }
        return s;
    }

    private static boolean hasBody(Headers h) {
        String len = h.getFirst("Content-Length");
        return (len != null && !len.trim().equals("0")) || h.getFirst("Transfer-Encoding") != null;
    }

    private static byte[] readUpTo(InputStream in, int limit) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(limit, 8192));
        byte[] buf = new byte[COPY_BUFFER];
        int total = 0;
        while (total < limit) {
            int n = in.read(buf, 0, Math.min(buf.length, limit - total));
            if (n < 0) {
                break;
            }
            out.write(buf, 0, n);
            total += n;
        }
        return out.toByteArray();
    }

    private void adapterFailed(RuntimeException e) {
        metrics.uninstrumented("adapter_error");
        long now = System.currentTimeMillis();
        if (now - lastAdapterWarning > 30_000) {
            lastAdapterWarning = now;
            LOG.warn("canopy proxy: adapter failed, events of this response lost (relay unaffected): {}", e.toString());
        }
    }

    /** Isolates the relay from adapter bugs: the first exception disables the adapter for the response. */
    private final class SafeAdapter {
        private final StreamingAdapter delegate;
        private boolean failed;

        SafeAdapter(StreamingAdapter delegate) {
            this.delegate = delegate;
        }

        void feed(byte[] b, int off, int len) {
            if (failed) {
                return;
            }
            try {
                delegate.feed(b, off, len);
            } catch (RuntimeException e) {
                failed = true;
                adapterFailed(e);
            }
        }

        void finish() {
            if (failed) {
                return;
            }
            try {
                delegate.finish();
            } catch (RuntimeException e) {
                failed = true;
                adapterFailed(e);
            }
        }

        void abort() {
            if (failed) {
                return;
            }
            try {
                delegate.abort();
            } catch (RuntimeException e) {
                failed = true;
                adapterFailed(e);
            }
        }
    }
}
