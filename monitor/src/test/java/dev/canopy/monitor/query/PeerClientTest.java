package dev.canopy.monitor.query;

import com.sun.net.httpserver.HttpServer;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PeerClientTest {

    private final CountDownLatch release = new CountDownLatch(1);
    private HttpServer server;

    @AfterEach
    void stop() {
        release.countDown();
        if (server != null) {
            server.stop(0);
        }
    }

    /** A stand-in peer: /ok answers "part", /busy 503, /hang never answers (until the test ends). */
    private HostInfo peer() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/ok", ex -> answer(ex, 200, "part"));
        server.createContext("/busy", ex -> answer(ex, 503, "{\"error\":\"rebalancing\"}"));
        server.createContext("/hang", ex -> {
            try {
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            answer(ex, 200, "too late");
        });
        server.start();
        return new HostInfo("127.0.0.1", server.getAddress().getPort());
    }

    private static void answer(com.sun.net.httpserver.HttpExchange ex, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(b);
        }
    }

    private static HostInfo deadPeer() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return new HostInfo("127.0.0.1", s.getLocalPort());
        }
    }

    @Test
    void shouldReturnTheBodyOfAPeerThatAnswers() throws Exception {
        PeerClient client = new PeerClient(Duration.ofSeconds(5));
        assertArrayEquals("part".getBytes(StandardCharsets.UTF_8), client.fetch(peer(), "/ok"));
    }

    @Test
    void shouldNameAHungPeerAfterTheTimeoutInsteadOfWaitingForIt() throws Exception {
        HostInfo hung = peer();
        PeerClient client = new PeerClient(Duration.ofMillis(300));
        PeerClient.Gathered g = assertTimeoutPreemptively(Duration.ofSeconds(30),
                () -> client.fetchAll(List.of(new PeerClient.Peer(hung, List.of("tokens-1", "tokens-4"))), "/hang"));
        assertTrue(g.partial());
        assertTrue(g.bodies().isEmpty());
        PeerClient.Missing m = g.missing().get(0);
        assertEquals("127.0.0.1:" + hung.port(), m.instance());
        assertEquals(List.of("tokens-1", "tokens-4"), m.partitions());
        assertTrue(m.reason().contains("no answer within 300 ms"), m.reason());
    }

    @Test
    void shouldGatherTheLivePeersAndNameTheDeadOnes() throws Exception {
        HostInfo live = peer();
        HostInfo dead = deadPeer();
        PeerClient client = new PeerClient(Duration.ofSeconds(2));
        PeerClient.Gathered g = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> client.fetchAll(List.of(
                new PeerClient.Peer(dead, List.of("tokens-0")), new PeerClient.Peer(live, List.of("tokens-2"))), "/ok"));
        assertEquals(1, g.bodies().size());
        assertArrayEquals("part".getBytes(StandardCharsets.UTF_8), g.bodies().get(live));
        assertEquals(1, g.missing().size());
        assertEquals("127.0.0.1:" + dead.port(), g.missing().get(0).instance());
        assertTrue(g.missing().get(0).reason().contains("cannot be reached"), g.missing().get(0).reason());
    }

    @Test
    void shouldQuoteWhatABusyPeerAnswered() throws Exception {
        HostInfo busy = peer();
        PeerClient client = new PeerClient(Duration.ofSeconds(2));
        PeerClient.UnavailableException e = assertThrows(PeerClient.UnavailableException.class, () -> client.fetch(busy, "/busy"));
        assertTrue(e.getMessage().contains("answered 503") && e.getMessage().contains("rebalancing"), e.getMessage());
        PeerClient.Gathered g = client.fetchAll(List.of(new PeerClient.Peer(busy, List.of())), "/busy");
        assertTrue(g.missing().get(0).reason().contains("answered 503"), g.missing().get(0).reason());
    }

    @Test
    void shouldAskAllPeersAtOnceSoThatHungPeersDoNotAddUp() throws Exception {
        HostInfo hung = peer();
        PeerClient client = new PeerClient(Duration.ofSeconds(1));
        List<PeerClient.Peer> five = java.util.stream.IntStream.range(0, 5)
                .mapToObj(i -> new PeerClient.Peer(hung, List.of("tokens-" + i))).toList();
        long start = System.nanoTime();
        PeerClient.Gathered g = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> client.fetchAll(five, "/hang"));
        long tookMs = (System.nanoTime() - start) / 1_000_000;
        assertEquals(5, g.missing().size());
        // asked one after the other, five hung peers would take at least 5 x 1 s
        assertTrue(tookMs < 4_000, "five hung peers took " + tookMs + " ms");
    }
}
