package dev.canopy.tests.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * GETs one path of a monitor over and over from a background thread, recording every outcome with its
 * time, so that a test can say what a client saw while a fault lasted: data (200), 503 with or without
 * Retry-After and a JSON reason, another status, or no answer at all (an empty reply, a reset, a
 * timeout). A refused connection before the port was ever answered is recorded apart: the process was
 * not listening yet, which is not an answer the API failed to give.
 */
public final class EndpointProbe implements AutoCloseable {

    /** How long one request may take before it counts as unanswered. */
    public static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(20);
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** One request: when it started (ms since the probe started), how long it took, and what came back. */
    public record Outcome(long atMs, long tookMs, int status, String retryAfter, String body, String failure) {

        public boolean answered() {
            return failure == null;
        }

        /** 503 with Retry-After and a JSON object with an {@code error} reason. */
        public boolean wellFormedUnavailable() {
            if (status != 503 || retryAfter == null) {
                return false;
            }
            try {
                return MAPPER.readTree(body).path("error").isTextual();
            } catch (IOException e) {
                return false;
            }
        }

        public Optional<JsonNode> json() {
            try {
                return Optional.of(MAPPER.readTree(body));
            } catch (IOException | RuntimeException e) {
                return Optional.empty();
            }
        }

        public boolean partial() {
            return status == 200 && json().map(j -> j.path("partial").asBoolean(false)).orElse(false);
        }

        @Override
        public String toString() {
            return "+" + atMs + "ms (" + tookMs + " ms): " + (failure != null ? "no answer: " + failure
                    : status + (retryAfter == null ? "" : " Retry-After " + retryAfter) + " " + body.substring(0, Math.min(200, body.length())).strip());
        }
    }

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final int port;
    private final String path;
    private final long started = System.nanoTime();
    private final List<Outcome> outcomes = new ArrayList<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;
    private boolean everAnswered;
    private int notListening;

    private EndpointProbe(int port, String path, Duration interval) {
        this.port = port;
        this.path = path;
        this.thread = new Thread(() -> loop(interval.toMillis()), "probe-" + port + path);
        thread.setDaemon(true);
    }

    /** Starts probing {@code GET http://127.0.0.1:PORT/PATH} every {@code interval} (after the previous answer). */
    public static EndpointProbe start(int port, String path, Duration interval) {
        EndpointProbe p = new EndpointProbe(port, path, interval);
        p.thread.start();
        return p;
    }

    private void loop(long intervalMs) {
        while (running.get()) {
            long t0 = System.nanoTime();
            Outcome o = once(t0);
            synchronized (this) {
                if (o != null) {
                    outcomes.add(o);
                }
            }
            try {
                Thread.sleep(intervalMs);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private Outcome once(long t0) {
        long at = (t0 - started) / 1_000_000;
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(REQUEST_TIMEOUT).GET().build();
        try {
            HttpResponse<String> r = client.send(req, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            synchronized (this) {
                everAnswered = true;
            }
            return new Outcome(at, (System.nanoTime() - t0) / 1_000_000, r.statusCode(),
                    r.headers().firstValue("Retry-After").orElse(null), r.body(), null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (IOException e) {
            synchronized (this) {
                if (!everAnswered && e instanceof ConnectException) {
                    notListening++;
                    return null;
                }
            }
            return new Outcome(at, (System.nanoTime() - t0) / 1_000_000, -1, null, "", e.toString());
        }
    }

    /** One GET, recorded like the probe's own requests (a refused connection is an unanswered request here). */
    public static Outcome once(int port, String path) {
        EndpointProbe p = new EndpointProbe(port, path, Duration.ZERO);
        p.everAnswered = true;
        return p.once(System.nanoTime());
    }

    /** Milliseconds since the probe started. */
    public long now() {
        return (System.nanoTime() - started) / 1_000_000;
    }

    /** Every outcome so far. */
    public synchronized List<Outcome> outcomes() {
        return List.copyOf(outcomes);
    }

    /** Requests refused before the process first answered (it was not listening yet). */
    public synchronized int notListening() {
        return notListening;
    }

    /** Counts by kind, for the test's log and BENCHMARKS.md. */
    public String summary() {
        List<Outcome> all = outcomes();
        long data = all.stream().filter(o -> o.status() == 200 && !o.partial()).count();
        long partial = all.stream().filter(Outcome::partial).count();
        long unavailable = all.stream().filter(Outcome::wellFormedUnavailable).count();
        long other = all.size() - data - partial - unavailable;
        long slowest = all.stream().mapToLong(Outcome::tookMs).max().orElse(0);
        return all.size() + " requests: " + data + " data, " + partial + " partial data, " + unavailable
                + " 503 with Retry-After, " + other + " other or unanswered; slowest answer " + slowest + " ms"
                + (notListening == 0 ? "" : "; " + notListening + " refused before the process listened");
    }

    /** The outcomes that were neither data nor a well-formed 503. */
    public List<Outcome> failures() {
        List<Outcome> bad = new ArrayList<>();
        for (Outcome o : outcomes()) {
            if (!(o.status() == 200 || o.wellFormedUnavailable())) {
                bad.add(o);
            }
        }
        return bad;
    }

    @Override
    public void close() {
        running.set(false);
        thread.interrupt();
        try {
            thread.join(REQUEST_TIMEOUT.toMillis() + 5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
