package dev.canopy.monitor.query;

import org.apache.kafka.streams.state.HostInfo;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Reads from the other instances of the application over HTTP, each request bounded by one timeout
 * ({@code canopy.peer.timeout}): an instance that is dead, hung or not ready is named with the reason
 * and the partitions it holds, instead of holding up (or failing) the answer of this one.
 */
public final class PeerClient implements Peers {

    /** Longest piece of a peer's error body quoted in a reason. */
    private static final int QUOTED = 200;

    /** Another instance and the input partitions whose state it holds. */
    public record Peer(HostInfo host, List<String> partitions) {
    }

    /** An instance whose part is missing from an answer, and why. */
    public record Missing(String instance, String reason, List<String> partitions) {
    }

    /** What the instances answered: the bodies of those that did, in the order asked, and the rest. */
    public record Gathered(Map<HostInfo, byte[]> bodies, List<Missing> missing) {
        public boolean partial() {
            return !missing.isEmpty();
        }
    }

    /** An instance that could not give its answer in time. */
    public static final class UnavailableException extends IOException {
        public UnavailableException(String message) {
            super(message);
        }
    }

    private final HttpClient client;
    private final Duration timeout;

    public PeerClient(Duration timeout) {
        this.timeout = timeout;
        this.client = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    public Duration timeout() {
        return timeout;
    }

    /** One instance's answer to {@code path}; {@link UnavailableException} (naming the instance) if it gives none in time. */
    @Override
    public byte[] fetch(HostInfo host, String path) throws UnavailableException, InterruptedException {
        CompletableFuture<HttpResponse<byte[]>> f = send(host, path);
        return body(host, path, f, System.nanoTime() + timeout.toNanos());
    }

    /** Asks every instance at once; waits at most the timeout (plus scheduling) in all. */
    @Override
    public Gathered fetchAll(List<Peer> peers, String path) throws InterruptedException {
        Map<Peer, CompletableFuture<HttpResponse<byte[]>>> pending = new LinkedHashMap<>();
        for (Peer p : peers) {
            pending.put(p, send(p.host(), path));
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<HostInfo, byte[]> bodies = new LinkedHashMap<>();
        List<Missing> missing = new ArrayList<>();
        for (Map.Entry<Peer, CompletableFuture<HttpResponse<byte[]>>> e : pending.entrySet()) {
            Peer p = e.getKey();
            try {
                bodies.put(p.host(), body(p.host(), path, e.getValue(), deadline));
            } catch (UnavailableException ex) {
                missing.add(new Missing(name(p.host()), ex.getMessage(), p.partitions()));
            }
        }
        return new Gathered(bodies, List.copyOf(missing));
    }

    private CompletableFuture<HttpResponse<byte[]>> send(HostInfo host, String path) {
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://" + host.host() + ":" + host.port() + path))
                .timeout(timeout).GET().build();
        return client.sendAsync(req, HttpResponse.BodyHandlers.ofByteArray());
    }

    private byte[] body(HostInfo host, String path, CompletableFuture<HttpResponse<byte[]>> f, long deadline)
            throws UnavailableException, InterruptedException {
        String who = "instance " + name(host);
        HttpResponse<byte[]> resp;
        try {
            // a little beyond the request's own timeout, so that the client's reason wins when it has one
            long wait = Math.max(0, deadline - System.nanoTime()) + TimeUnit.MILLISECONDS.toNanos(250);
            resp = f.get(wait, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new UnavailableException(who + " gave no answer within " + timeout.toMillis() + " ms");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof HttpTimeoutException) {
                throw new UnavailableException(who + " gave no answer within " + timeout.toMillis() + " ms");
            }
            if (cause instanceof ConnectException) {
                throw new UnavailableException(who + " cannot be reached (connection refused or timed out)");
            }
            throw new UnavailableException(who + " cannot be reached (" + cause + ")");
        }
        if (resp.statusCode() != 200) {
            String text = new String(resp.body(), StandardCharsets.UTF_8).strip();
            if (text.length() > QUOTED) {
                text = text.substring(0, QUOTED) + "...";
            }
            throw new UnavailableException(who + " answered " + resp.statusCode() + " for " + path + (text.isEmpty() ? "" : ": " + text));
        }
        return resp.body();
    }

    private static String name(HostInfo host) {
        return host.host() + ":" + host.port();
    }
}
