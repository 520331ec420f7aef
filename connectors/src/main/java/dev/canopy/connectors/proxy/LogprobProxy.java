package dev.canopy.connectors.proxy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.canopy.connectors.events.TokenEventSink;
import dev.canopy.connectors.kafka.KafkaEventPublisher;
import io.prometheus.metrics.exporter.httpserver.MetricsHandler;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
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
    private static final String HEALTH_PATH = "/canopy/healthz";
    /** Pending connections the listen socket queues. */
    private static final int LISTEN_BACKLOG = 256;
    /** Seconds an idle request thread is kept. */
    private static final long THREAD_KEEP_ALIVE_S = 60;
    /** How long {@link #close()} lets requests in flight finish, and the publisher deliver, each. */
    private static final Duration DRAIN = Duration.ofSeconds(5);
    /** How long {@link #close()} waits for request threads to stop after interrupting them. */
    private static final long EXECUTOR_STOP_S = 2;

    /** JVM-wide settings the proxy needs, each applied only when not already set (see {@link #tuneJdkHttp()}). */
    static final Map<String, String> JDK_HTTP_SETTINGS = Map.of(
            // Nagle's algorithm would hold small SSE writes back.
            "sun.net.httpserver.nodelay", "true",
            // Seconds an idle upstream connection is kept: the JDK default (1200 s) outlives uvicorn's 5 s
            // keep-alive (vLLM, SGLang), and a request sent on a connection the server is closing fails.
            "jdk.httpclient.keepalive.timeout", "4");

    private final ProxyConfig config;
    private final KafkaEventPublisher publisher;
    private final PrometheusRegistry registry;
    private final HttpServer server;
    private final ThreadPoolExecutor executor;
    private final UpstreamClient upstream;
    private final ProxyRequestHandler handler;
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
        this.publisher = publisher;
        this.registry = registry;
        ProxyMetrics metrics = new ProxyMetrics(registry);
        AtomicInteger n = new AtomicInteger();
        executor = new ThreadPoolExecutor(config.maxConcurrentRequests(), config.maxConcurrentRequests(), THREAD_KEEP_ALIVE_S,
                TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "canopy-proxy-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        executor.allowCoreThreadTimeOut(true);
        upstream = new UpstreamClient(config);
        handler = new ProxyRequestHandler(config, metrics, upstream, new ResponseRelay(config, sink, metrics));
        try {
            server = HttpServer.create(new InetSocketAddress(config.listenHost(), config.listenPort()), LISTEN_BACKLOG);
        } catch (IOException e) {
            executor.shutdownNow();
            upstream.close();
            throw new UncheckedIOException("cannot listen on " + config.listenHost() + ":" + config.listenPort()
                    + " (" + e.getMessage() + "): choose another --listen address", e);
        }
        server.setExecutor(executor);
        server.createContext(config.metricsPath(), new MetricsHandler(registry));
        server.createContext(HEALTH_PATH, LogprobProxy::health);
        server.createContext("/", handler);
        server.start();
        LOG.info("canopy proxy listening on {} -> {} (release {}, model from {}, top_logprobs {}, metrics {})",
                address(), upstream.base(), config.release(), config.modelSource(),
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
        handler.refuseNewRequests();
        InetSocketAddress bound = address();
        try {
            handler.awaitIdle(System.nanoTime() + DRAIN.toNanos());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(EXECUTOR_STOP_S, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        upstream.close();
        if (publisher != null) {
            publisher.close(DRAIN);
        }
        LOG.info("canopy proxy on {} stopped", bound);
    }

    private static void health(HttpExchange ex) throws IOException {
        try (ex) {
            byte[] ok = "ok\n".getBytes(StandardCharsets.US_ASCII);
            ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
            ex.sendResponseHeaders(200, ok.length);
            ex.getResponseBody().write(ok);
        }
    }
}
