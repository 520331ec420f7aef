package dev.canopy.connectors.proxy;

import com.sun.net.httpserver.HttpExchange;
import dev.canopy.connectors.adapters.OpenAiAdapter;
import dev.canopy.connectors.adapters.StreamingAdapter;
import dev.canopy.connectors.events.RolloutContext;
import dev.canopy.connectors.events.RolloutIdGuard;
import dev.canopy.connectors.events.RolloutIdSource;
import dev.canopy.connectors.events.TokenEventSink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.concurrent.Flow;

/**
 * Relays an upstream response to the client and, when the request is instrumented, gives its bytes to
 * the OpenAI adapter, which publishes the token events: streamed (SSE) or whole, with the logprobs the
 * proxy added stripped again. The relay comes first: an adapter failure loses the events of that
 * response, never the response.
 */
final class ResponseRelay {

    private static final Logger LOG = LoggerFactory.getLogger(ResponseRelay.class);
    /** Response-provided rollout ids remembered to detect reuse. */
    private static final int GUARDED_ROLLOUT_IDS = 1 << 16;
    /** Largest initial capacity of the copy of an observed body of announced length. */
    private static final int MAX_INITIAL_COPY = 1 << 20;
    private static final long ADAPTER_WARNING_INTERVAL_MS = 30_000;

    private final ProxyConfig config;
    private final TokenEventSink sink;
    private final ProxyMetrics metrics;
    private final RolloutIdGuard guard = new RolloutIdGuard(GUARDED_ROLLOUT_IDS);
    private volatile long lastAdapterWarning;

    ResponseRelay(ProxyConfig config, TokenEventSink sink, ProxyMetrics metrics) {
        this.config = config;
        this.sink = sink;
        this.metrics = metrics;
    }

    /**
     * Sends the response headers and body to the client. The request is instrumented only for a
     * {@code 200} with an uncompressed body of the expected content type (SSE when streaming was asked
     * for); anything else is relayed raw and counted as uninstrumented.
     */
    void relay(HttpExchange ex, RequestPlan plan, HttpResponse<Flow.Publisher<List<ByteBuffer>>> resp) throws IOException {
        int status = resp.statusCode();
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
        HopByHopHeaders.copyResponseHeaders(resp.headers().map(), ex.getResponseHeaders());
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
                relayStripped(ex, status, in, context(plan));
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
            Exchanges.proxyError(ex, 504, "upstream stopped sending for " + e.idle());
        }
    }

    /**
     * The response length for {@code sendResponseHeaders}: the announced one, {@code -1} (no body) for
     * an announced 0, {@code 0} (chunked) when none was announced.
     */
    private static long responseLength(OptionalLong announced) {
        if (announced.isEmpty()) {
            return 0;
        }
        return announced.getAsLong() == 0 ? -1 : announced.getAsLong();
    }

    private void relayRaw(HttpExchange ex, int status, OptionalLong length, InputStream in, boolean sse) throws IOException {
        long len = responseLength(length);
        ex.sendResponseHeaders(status, len);
        if (len == -1) {
            return;
        }
        OutputStream os = ex.getResponseBody();
        SseBoundary boundary = new SseBoundary();
        byte[] buf = new byte[Exchanges.COPY_BUFFER];
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
        byte[] buf = new byte[Exchanges.COPY_BUFFER];
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

    /** Non-streamed, client asked for logprobs: relayed as it arrives, a copy (up to the limit) goes to the adapter. */
    private void relayObserved(HttpExchange ex, int status, OptionalLong length, InputStream in, RolloutContext ctx) throws IOException {
        long len = responseLength(length);
        ex.sendResponseHeaders(status, len);
        if (len == -1) {
            return;
        }
        OutputStream os = ex.getResponseBody();
        ByteArrayOutputStream copy = new ByteArrayOutputStream(
                length.isPresent() ? (int) Math.min(length.getAsLong(), MAX_INITIAL_COPY) : Exchanges.INITIAL_BODY_BUFFER);
        boolean overflow = false;
        byte[] buf = new byte[Exchanges.COPY_BUFFER];
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
    private void relayStripped(HttpExchange ex, int status, InputStream in, RolloutContext ctx) throws IOException {
        byte[] body = Exchanges.readUpTo(in, config.maxBufferedBodyBytes() + 1);
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

    private void adapterFailed(RuntimeException e) {
        metrics.uninstrumented("adapter_error");
        long now = System.currentTimeMillis();
        if (now - lastAdapterWarning > ADAPTER_WARNING_INTERVAL_MS) {
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
            guarded(() -> delegate.feed(b, off, len));
        }

        void finish() {
            guarded(delegate::finish);
        }

        void abort() {
            guarded(delegate::abort);
        }

        private void guarded(Runnable call) {
            if (failed) {
                return;
            }
            try {
                call.run();
            } catch (RuntimeException e) {
                failed = true;
                adapterFailed(e);
            }
        }
    }
}
