package dev.canopy.connectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.canopy.connectors.Recordings.OpenAiRecording;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A tiny OpenAI-compatible server on 127.0.0.1 that answers chat completions with recorded payloads:
 * the recording is chosen by the request's first message (round robin among recordings of the same
 * question). Like a real server it sends logprobs only when asked ({@code logprobs: true}): the
 * recording's bytes as they are, else the same payload with {@code logprobs: null}. Streamed answers
 * are written one SSE event at a time, flushed, optionally held after the first event until a gate
 * opens. Records every request it receives and every body it sends.
 */
public final class ScriptedUpstream implements AutoCloseable {

    /** One request as received. */
    public record Received(String method, String path, String query, Map<String, List<String>> headers, byte[] body) {
        public JsonNode json() {
            return readTree(body);
        }

        private static JsonNode readTree(byte[] b) {
            try {
                return Recordings.EXACT.readTree(b);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        public String header(String name) {
            for (Map.Entry<String, List<String>> e : headers.entrySet()) {
                if (e.getKey().equalsIgnoreCase(name)) {
                    return e.getValue().get(0);
                }
            }
            return null;
        }
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(8);
    private final Map<String, List<OpenAiRecording>> byQuestion = new LinkedHashMap<>();
    private final Map<String, AtomicInteger> next = new LinkedHashMap<>();
    private final List<Received> received = Collections.synchronizedList(new ArrayList<>());
    private final List<byte[]> sent = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, byte[]> cache = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile CountDownLatch gate;
    private volatile int gateAfter = 1;
    private volatile boolean gateTimedOut;

    private ScriptedUpstream(List<OpenAiRecording> recordings) throws IOException {
        for (OpenAiRecording r : recordings) {
            byQuestion.computeIfAbsent(r.question(), q -> new ArrayList<>()).add(r);
            next.putIfAbsent(r.question(), new AtomicInteger());
        }
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    public static ScriptedUpstream start(List<OpenAiRecording> recordings) {
        try {
            return new ScriptedUpstream(recordings);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    public List<Received> received() {
        return List.copyOf(received);
    }

    public List<byte[]> sent() {
        return List.copyOf(sent);
    }

    /** Hold streamed answers after their first event until {@code latch} opens (at most 10 s). */
    public void gate(CountDownLatch latch) {
        gate(latch, 1);
    }

    /** Hold streamed answers after their first {@code events} events until {@code latch} opens (at most 10 s). */
    public void gate(CountDownLatch latch, int events) {
        this.gateAfter = events;
        this.gate = latch;
        this.gateTimedOut = false;
    }

    public boolean gateTimedOut() {
        return gateTimedOut;
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            byte[] body = ex.getRequestBody().readAllBytes();
            received.add(new Received(ex.getRequestMethod(), ex.getRequestURI().getRawPath(), ex.getRequestURI().getRawQuery(),
                    Map.copyOf(ex.getRequestHeaders()), body));
            String path = ex.getRequestURI().getPath();
            if (ex.getRequestMethod().equals("GET") && path.equals("/v1/models")) {
                ex.getResponseHeaders().set("X-Upstream", "scripted");
                respond(ex, 200, "application/json", "{\"object\":\"list\",\"data\":[{\"id\":\"gpt-4o\",\"object\":\"model\"}]}"
                        .getBytes(StandardCharsets.UTF_8));
                return;
            }
            if (!path.endsWith("/chat/completions")) {
                respond(ex, 404, "application/json", "{\"error\":{\"message\":\"no such route\"}}".getBytes(StandardCharsets.UTF_8));
                return;
            }
            JsonNode req = Recordings.EXACT.readTree(body);
            String question = req.path("messages").path(0).path("content").asText();
            List<OpenAiRecording> recs = byQuestion.get(question);
            if (recs == null) {
                respond(ex, 400, "application/json", "{\"error\":{\"message\":\"unknown prompt\"}}".getBytes(StandardCharsets.UTF_8));
                return;
            }
            int n = req.path("n").asInt(1);
            boolean logprobs = req.path("logprobs").asBoolean(false);
            List<OpenAiRecording> chosen = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                chosen.add(recs.get(next.get(question).getAndIncrement() % recs.size()));
            }
            if (req.path("stream").asBoolean(false)) {
                OpenAiRecording r = chosen.get(0);
                byte[] sse = cache.computeIfAbsent("sse:" + logprobs + ":" + r.file(), k -> logprobs ? r.sse() : r.sseWithoutLogprobs());
                sent.add(sse);
                ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
                ex.getResponseHeaders().set("Cache-Control", "no-cache");
                ex.sendResponseHeaders(200, 0);
                OutputStream os = ex.getResponseBody();
                String text = new String(sse, StandardCharsets.UTF_8);
                int start = 0;
                int written = 0;
                while (start < text.length()) {
                    int end = text.indexOf("\n\n", start);
                    end = end < 0 ? text.length() : end + 2;
                    os.write(text.substring(start, end).getBytes(StandardCharsets.UTF_8));
                    os.flush();
                    start = end;
                    written++;
                    CountDownLatch g = gate;
                    if (written == gateAfter && g != null) {
                        try {
                            if (!g.await(10, TimeUnit.SECONDS)) {
                                gateTimedOut = true;
                            }
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            return;
                        }
                    }
                }
                os.close();
            } else {
                StringBuilder key = new StringBuilder("json:" + logprobs);
                chosen.forEach(c -> key.append(':').append(c.file()));
                byte[] json = cache.computeIfAbsent(key.toString(), k -> Recordings.chatCompletion(chosen, logprobs));
                sent.add(json);
                respond(ex, 200, "application/json", json);
            }
        }
    }

    private static void respond(HttpExchange ex, int code, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(code, body.length);
        ex.getResponseBody().write(body);
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
