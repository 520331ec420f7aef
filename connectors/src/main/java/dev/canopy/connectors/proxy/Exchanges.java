package dev.canopy.connectors.proxy;

import com.sun.net.httpserver.HttpExchange;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** What the request handler and the response relay both do with an exchange and its streams. */
final class Exchanges {

    /** Bytes read and written per copy step. */
    static final int COPY_BUFFER = 16 * 1024;
    /** Initial capacity of a body buffer whose size is not known in advance. */
    static final int INITIAL_BODY_BUFFER = 8 * 1024;

    private Exchanges() {
    }

    /**
     * Answers with the proxy's own OpenAI-style error body and returns {@code code}. Only valid before
     * the response headers went out.
     */
    static int proxyError(HttpExchange ex, int code, String message) throws IOException {
        byte[] body = ("{\"error\":{\"message\":\"canopy proxy: " + message + "\",\"type\":\"canopy_proxy_error\",\"code\":" + code + "}}")
                .getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(code, body.length);
        OutputStream os = ex.getResponseBody();
        os.write(body);
        os.close();
        return code;
    }

    /** Reads until the end of {@code in} or until {@code limit} bytes, whichever comes first. */
    static byte[] readUpTo(InputStream in, int limit) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(limit, INITIAL_BODY_BUFFER));
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
}
