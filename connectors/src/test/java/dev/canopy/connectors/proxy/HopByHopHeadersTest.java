package dev.canopy.connectors.proxy;

import com.sun.net.httpserver.Headers;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HopByHopHeadersTest {

    private static Map<String, List<String>> forwarded(Headers from, boolean instrumented) {
        HttpRequest.Builder to = HttpRequest.newBuilder(URI.create("http://127.0.0.1:1/v1/chat/completions"));
        HopByHopHeaders.copyRequestHeaders(from, to, instrumented);
        return to.build().headers().map();
    }

    private static Headers clientHeaders() {
        Headers h = new Headers();
        h.add("Authorization", "Bearer sk-test");
        h.add("Content-Type", "application/json");
        h.add("Accept-Encoding", "gzip");
        h.add("Connection", "keep-alive, X-Trace");
        h.add("X-Trace", "abc");
        h.add("Keep-Alive", "timeout=5");
        h.add("Proxy-Authorization", "Basic Zm9vOmJhcg==");
        h.add("Content-Length", "12");
        h.add("Host", "proxy.local");
        h.add("Transfer-Encoding", "chunked");
        h.add("Te", "trailers");
        h.add("Upgrade", "h2c");
        h.add("X-Multi", "1");
        h.add("X-Multi", "2");
        return h;
    }

    @Test
    void endToEndRequestHeadersGoUpstreamHopByHopOnesDoNot() {
        Map<String, List<String>> sent = forwarded(clientHeaders(), false);
        assertEquals(List.of("Bearer sk-test"), sent.get("authorization"));
        assertEquals(List.of("application/json"), sent.get("content-type"));
        assertEquals(List.of("gzip"), sent.get("accept-encoding"));
        assertEquals(List.of("1", "2"), sent.get("x-multi"));
        for (String name : List.of("connection", "x-trace", "keep-alive", "proxy-authorization", "content-length", "host",
                "transfer-encoding", "te", "upgrade")) {
            assertFalse(sent.containsKey(name), name);
        }
    }

    @Test
    void anInstrumentedRequestAsksForAnUncompressedResponse() {
        Map<String, List<String>> sent = forwarded(clientHeaders(), true);
        assertEquals(List.of("identity"), sent.get("accept-encoding"));
        assertEquals(List.of("Bearer sk-test"), sent.get("authorization"));
    }

    @Test
    void responseHeadersLoseHopByHopOnesAndThoseTheConnectionHeaderNames() {
        Map<String, List<String>> upstream = new LinkedHashMap<>();
        upstream.put("content-type", List.of("text/event-stream"));
        upstream.put("x-request-id", List.of("req-1"));
        upstream.put("Connection", List.of("close, X-Internal"));
        upstream.put("x-internal", List.of("secret"));
        upstream.put("transfer-encoding", List.of("chunked"));
        upstream.put("content-length", List.of("10"));
        upstream.put("date", List.of("Sun, 06 Dec 2026 12:00:00 GMT"));
        upstream.put(":status", List.of("200"));
        Headers out = new Headers();
        HopByHopHeaders.copyResponseHeaders(upstream, out);
        assertEquals(List.of("text/event-stream"), out.get("Content-Type"));
        assertEquals(List.of("req-1"), out.get("X-Request-Id"));
        assertEquals(2, out.size(), out.toString());
    }

    @Test
    void aBodyIsAnnouncedByANonZeroLengthOrChunking() {
        Headers none = new Headers();
        assertFalse(HopByHopHeaders.announcesBody(none));
        Headers zero = new Headers();
        zero.add("Content-Length", " 0 ");
        assertFalse(HopByHopHeaders.announcesBody(zero));
        Headers some = new Headers();
        some.add("Content-Length", "3");
        assertTrue(HopByHopHeaders.announcesBody(some));
        Headers chunked = new Headers();
        chunked.add("Transfer-Encoding", "chunked");
        assertTrue(HopByHopHeaders.announcesBody(chunked));
    }
}
