package dev.canopy.connectors.proxy;

import com.sun.net.httpserver.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.http.HttpRequest;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Which headers cross the proxy: hop-by-hop headers (RFC 9110 7.6.1, including those a
 * {@code Connection} header names) stay on their side, in both directions.
 */
final class HopByHopHeaders {

    private static final Logger LOG = LoggerFactory.getLogger(HopByHopHeaders.class);
    /** Request headers not forwarded: hop-by-hop (RFC 9110 7.6.1), set by the client library, or meant for this proxy. */
    private static final Set<String> REQUEST_SKIP = Set.of("connection", "keep-alive", "proxy-connection", "proxy-authorization",
            "proxy-authenticate", "te", "trailer", "transfer-encoding", "upgrade", "host", "content-length", "expect", "http2-settings");
    /** Response headers not relayed: hop-by-hop, or recomputed by the JDK server. */
    private static final Set<String> RESPONSE_SKIP = Set.of("connection", "keep-alive", "proxy-connection", "te", "trailer",
            "transfer-encoding", "upgrade", "content-length", "date");

    private HopByHopHeaders() {
    }

    /**
     * Copies the client's request headers that go upstream. An instrumented request asks for an
     * uncompressed response ({@code Accept-Encoding: identity}) so that the proxy can read it.
     */
    static void copyRequestHeaders(Headers from, HttpRequest.Builder to, boolean instrumented) {
        Set<String> skip = connectionTokens(from.get("Connection"));
        for (Map.Entry<String, List<String>> e : from.entrySet()) {
            String name = e.getKey().toLowerCase(Locale.ROOT);
            if (REQUEST_SKIP.contains(name) || skip.contains(name) || (instrumented && name.equals("accept-encoding"))) {
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
        if (instrumented) {
            to.header("Accept-Encoding", "identity");
        }
    }

    /** Copies the upstream's response headers that go to the client. */
    static void copyResponseHeaders(Map<String, List<String>> from, Headers to) {
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

    /** Whether the request headers announce a body (a non-zero length, or chunked). */
    static boolean announcesBody(Headers h) {
        String len = h.getFirst("Content-Length");
        return (len != null && !len.trim().equals("0")) || h.getFirst("Transfer-Encoding") != null;
    }

    /** The header names listed in {@code Connection} values, lower case. */
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
}
