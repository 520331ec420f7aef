package dev.canopy.connectors.proxy;

import com.sun.net.httpserver.Headers;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;

/**
 * The proxy's HTTP/1.1 client towards the upstream: one request per client request, redirects relayed
 * rather than followed, the response body handed over as it arrives.
 */
final class UpstreamClient implements AutoCloseable {

    private final String base;
    private final ProxyConfig config;
    private final ExecutorService executor;
    private final HttpClient client;

    UpstreamClient(ProxyConfig config) {
        this.config = config;
        String upstream = config.upstream().toString();
        base = upstream.endsWith("/") ? upstream.substring(0, upstream.length() - 1) : upstream;
        executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "canopy-proxy-upstream");
            t.setDaemon(true);
            return t;
        });
        client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(config.connectTimeout())
                .executor(executor)
                .build();
    }

    /** The upstream base URL, without a trailing slash. */
    String base() {
        return base;
    }

    /**
     * Sends the client's request upstream (same method, path and query, headers as
     * {@link HopByHopHeaders#copyRequestHeaders} lets through) and returns once the response headers
     * arrived, at most {@code upstreamTimeout} after sending.
     */
    HttpResponse<Flow.Publisher<List<ByteBuffer>>> send(String method, URI requestUri, Headers headers,
                                                        HttpRequest.BodyPublisher body, boolean instrumented)
            throws IOException, InterruptedException {
        String target = base + requestUri.getRawPath() + (requestUri.getRawQuery() == null ? "" : "?" + requestUri.getRawQuery());
        HttpRequest.Builder rb = HttpRequest.newBuilder(URI.create(target)).timeout(config.upstreamTimeout()).method(method, body);
        HopByHopHeaders.copyRequestHeaders(headers, rb, instrumented);
        return client.send(rb.build(), HttpResponse.BodyHandlers.ofPublisher());
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
