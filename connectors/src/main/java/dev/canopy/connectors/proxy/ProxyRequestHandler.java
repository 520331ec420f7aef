package dev.canopy.connectors.proxy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Handles one client request: reads (up to the buffering limit) and plans it, sends it upstream, hands
 * the response to the {@link ResponseRelay}, answers upstream failures itself ({@code 502},
 * {@code 504}) and counts the outcome. While the proxy shuts down it answers {@code 503}.
 */
final class ProxyRequestHandler implements HttpHandler {

    private static final Logger LOG = LoggerFactory.getLogger(ProxyRequestHandler.class);
    private static final long IDLE_POLL_MS = 10;

    private final ProxyConfig config;
    private final ProxyMetrics metrics;
    private final UpstreamClient upstream;
    private final ResponseRelay relay;
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile boolean closing;

    ProxyRequestHandler(ProxyConfig config, ProxyMetrics metrics, UpstreamClient upstream, ResponseRelay relay) {
        this.config = config;
        this.metrics = metrics;
        this.upstream = upstream;
        this.relay = relay;
    }

    /** From now on, requests are answered {@code 503}. */
    void refuseNewRequests() {
        closing = true;
    }

    /** Waits until no request is in flight, or until {@code deadlineNanos} ({@link System#nanoTime()}). */
    void awaitIdle(long deadlineNanos) throws InterruptedException {
        while (inFlight.get() > 0 && System.nanoTime() < deadlineNanos) {
            Thread.sleep(IDLE_POLL_MS);
        }
    }

    @Override
    public void handle(HttpExchange ex) {
        long start = System.nanoTime();
        RequestPlan.Endpoint endpoint = RequestPlan.Endpoint.OTHER;
        int code = 0;
        inFlight.incrementAndGet();
        try {
            if (closing) {
                ex.getResponseHeaders().set("Connection", "close");
                code = Exchanges.proxyError(ex, 503, "shutting down");
                return;
            }
            String method = ex.getRequestMethod();
            URI uri = ex.getRequestURI();
            endpoint = RequestPlan.endpointOf(method, uri.getRawPath());
            InputStream in = ex.getRequestBody();
            byte[] head = Exchanges.readUpTo(in, config.maxBufferedBodyBytes() + 1);
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
            } else if (head.length == 0 && !HopByHopHeaders.announcesBody(ex.getRequestHeaders())) {
                body = HttpRequest.BodyPublishers.noBody();
            } else {
                body = HttpRequest.BodyPublishers.ofByteArray(head);
            }
            HttpResponse<Flow.Publisher<List<ByteBuffer>>> resp;
            try {
                resp = upstream.send(method, uri, ex.getRequestHeaders(), body, plan.instrument);
            } catch (HttpConnectTimeoutException | ConnectException e) {
                metrics.upstreamError("connect");
                code = Exchanges.proxyError(ex, 502, "upstream unreachable");
                return;
            } catch (HttpTimeoutException e) {
                metrics.upstreamError("timeout");
                code = Exchanges.proxyError(ex, 504, "upstream sent no response headers within " + config.upstreamTimeout());
                return;
            } catch (IOException e) {
                metrics.upstreamError("connect");
                LOG.debug("upstream request failed: {}", e.toString());
                code = Exchanges.proxyError(ex, 502, "upstream connection failed");
                return;
            }
            metrics.upstreamLatency(endpoint, System.nanoTime() - start);
            code = resp.statusCode();
            relay.relay(ex, plan, resp);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            LOG.debug("client connection ended early: {}", e.toString());
        } catch (RuntimeException e) {
            LOG.warn("canopy proxy: request failed: {}", e.toString());
            if (code == 0) {
                try {
                    code = Exchanges.proxyError(ex, 502, "proxy error");
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
}
