package dev.canopy.connectors.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.canopy.connectors.EventChecks;
import dev.canopy.connectors.KafkaTestSupport;
import dev.canopy.connectors.Recordings;
import dev.canopy.connectors.Recordings.OpenAiRecording;
import dev.canopy.connectors.ScriptedUpstream;
import dev.canopy.connectors.adapters.Json;
import dev.canopy.connectors.adapters.OpenAiAdapter;
import dev.canopy.connectors.adapters.StreamingAdapter;
import dev.canopy.connectors.events.CollectingSink;
import dev.canopy.connectors.events.RolloutContext;
import dev.canopy.testsupport.EmbeddedBroker;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The proxy over real HTTP on loopback, between a real client and a scripted upstream that replays
 * recorded payloads, publishing into a real embedded Kafka broker.
 */
@Timeout(60)
class LogprobProxyIT {

    private static final String RELEASE = "2024-11";
    private static final AtomicInteger TOPICS = new AtomicInteger();
    @RegisterExtension
    static final EmbeddedBroker BROKER = new EmbeddedBroker();
    private static List<OpenAiRecording> recordings;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final List<AutoCloseable> started = new ArrayList<>();

    @BeforeAll
    static void loadRecordings() {
        recordings = Recordings.allOpenAi();
    }

    @AfterEach
    void stopEverything() throws Exception {
        for (int i = started.size() - 1; i >= 0; i--) {
            started.get(i).close();
        }
    }

    private ScriptedUpstream upstream() {
        return upstream(recordings);
    }

    private ScriptedUpstream upstream(List<OpenAiRecording> served) {
        ScriptedUpstream u = ScriptedUpstream.start(served);
        started.add(u);
        return u;
    }

    private String topic() throws Exception {
        String t = "tokens-" + TOPICS.incrementAndGet();
        KafkaTestSupport.createTopic(BROKER.bootstrapServers(), t);
        return t;
    }

    private LogprobProxy proxy(ScriptedUpstream upstream, String bootstrap, String topic, Properties kafka, long buffer) {
        ProxyConfig config = ProxyConfig.builder(upstream.uri(), bootstrap, RELEASE)
                .listen("127.0.0.1", 0).topic(topic).topLogprobs(5).kafkaProperties(kafka).eventBufferBytes(buffer).build();
        LogprobProxy p = LogprobProxy.start(config);
        started.add(p);
        return p;
    }

    private LogprobProxy proxy(ScriptedUpstream upstream, String topic) {
        Properties kafka = new Properties();
        kafka.put("linger.ms", "5");
        return proxy(upstream, BROKER.bootstrapServers(), topic, kafka, 64L << 20);
    }

    private HttpResponse<byte[]> post(LogprobProxy proxy, byte[] body) throws Exception {
        return client.send(HttpRequest.newBuilder(proxy.uri().resolve("/v1/chat/completions"))
                .header("Content-Type", "application/json").header("Authorization", "Bearer sk-test-secret")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** The recorded request (stream, logprobs as recorded), or changed as asked. */
    private static byte[] request(OpenAiRecording r, boolean stream, boolean logprobs, int n) {
        ObjectNode req = r.request().deepCopy();
        req.put("stream", stream);
        if (!stream) {
            req.remove("stream_options");
        }
        if (!logprobs) {
            req.remove("logprobs");
            req.remove("top_logprobs");
        }
        if (n > 1) {
            req.put("n", n);
        }
        return Recordings.write(req);
    }

    /** The events the adapter gives directly for what the upstream sent, in order. */
    private static List<byte[]> direct(List<byte[]> sent, boolean stream) {
        CollectingSink sink = new CollectingSink();
        for (byte[] body : sent) {
            RolloutContext ctx = RolloutContext.of("gpt-4o", RELEASE, null, null);
            if (stream) {
                StreamingAdapter a = OpenAiAdapter.stream(ctx, sink);
                a.feed(body, 0, body.length);
                a.finish();
            } else {
                OpenAiAdapter.adaptResponse(body, ctx, sink);
            }
        }
        return EventChecks.values(sink);
    }

    private static List<String> withoutTimestamps(List<byte[]> records) {
        List<String> out = new ArrayList<>();
        for (byte[] r : records) {
            JsonNode n = Json.read(r);
            ((ObjectNode) n).remove("timestamp");
            out.add(n.toString());
        }
        return out;
    }

    private void assertTopicReplaysLikeTheAdapter(String topic, List<byte[]> expected) {
        List<ConsumerRecord<byte[], byte[]>> consumed = KafkaTestSupport.readAll(BROKER.bootstrapServers(), topic, expected.size(),
                Duration.ofSeconds(20));
        assertEquals(expected.size(), consumed.size(), "events on the topic");
        for (ConsumerRecord<byte[], byte[]> c : consumed) {
            assertEquals(Json.read(c.value()).get("rollout_id").asText(), new String(c.key(), StandardCharsets.UTF_8), "key = rollout id");
            assertTrue(Json.read(c.value()).has("timestamp"), "the proxy stamps tokens with their arrival time");
        }
        List<byte[]> values = KafkaTestSupport.values(consumed);
        assertEquals(withoutTimestamps(expected), withoutTimestamps(values));
        assertEquals(EventChecks.report(expected), EventChecks.report(values));
    }

    @Test
    void shouldRelayStreamsByteForByteWhenTheClientAskedForLogprobsAndPublishWhatTheAdapterGives() throws Exception {
        ScriptedUpstream upstream = upstream();
        String topic = topic();
        LogprobProxy proxy = proxy(upstream, topic);
        for (OpenAiRecording r : recordings) {
            byte[] body = Recordings.write(r.request());
            HttpResponse<byte[]> resp = post(proxy, body);
            assertEquals(200, resp.statusCode());
            assertArrayEquals(r.sse(), resp.body(), "client gets the upstream's bytes for " + r.file());
            assertEquals("text/event-stream; charset=utf-8", resp.headers().firstValue("content-type").orElse(null));
            ScriptedUpstream.Received got = upstream.received().get(upstream.received().size() - 1);
            assertArrayEquals(body, got.body(), "the request is forwarded byte for byte");
            assertEquals("Bearer sk-test-secret", got.header("Authorization"));
        }
        assertTopicReplaysLikeTheAdapter(topic, direct(upstream.sent(), true));
    }

    @Test
    void shouldAskForLogprobsForClientsThatDidNotAndStripThemFromTheStream() throws Exception {
        ScriptedUpstream upstream = upstream();
        String topic = topic();
        LogprobProxy proxy = proxy(upstream, topic);
        for (OpenAiRecording r : recordings) {
            HttpResponse<byte[]> resp = post(proxy, request(r, true, false, 1));
            assertEquals(200, resp.statusCode());
            assertArrayEquals(r.sseWithoutLogprobs(), resp.body(), "client sees what the server sends with logprobs off");
            JsonNode sentUp = upstream.received().get(upstream.received().size() - 1).json();
            assertTrue(sentUp.get("logprobs").asBoolean());
            assertEquals(5, sentUp.get("top_logprobs").asInt());
            assertEquals(r.question(), sentUp.get("messages").get(0).get("content").asText());
        }
        assertTopicReplaysLikeTheAdapter(topic, direct(upstream.sent(), true));
    }

    @Test
    void shouldHandleNonStreamedResponsesAskedAndNotAndOneRolloutPerChoice() throws Exception {
        ScriptedUpstream upstream = upstream();
        String topic = topic();
        LogprobProxy proxy = proxy(upstream, topic);
        OpenAiRecording continent = recordings.get(0);
        OpenAiRecording ocean = recordings.get(3);

        HttpResponse<byte[]> asked = post(proxy, request(continent, false, true, 1));
        assertArrayEquals(Recordings.chatCompletion(List.of(continent), true), asked.body());
        assertEquals("application/json", asked.headers().firstValue("content-type").orElse(null));

        HttpResponse<byte[]> notAsked = post(proxy, request(ocean, false, false, 2));
        assertArrayEquals(Recordings.chatCompletion(List.of(ocean, recordings.get(4)), false), notAsked.body(),
                "two choices, logprobs stripped");

        List<byte[]> expected = direct(upstream.sent(), false);
        assertEquals(continent.steps().size() + ocean.steps().size() + recordings.get(4).steps().size(), expected.size());
        assertTopicReplaysLikeTheAdapter(topic, expected);
        long rollouts = EventChecks.replay(expected).values().stream().filter(r -> !r.abandoned()).count();
        assertEquals(3, rollouts);
    }

    @Test
    void shouldRelayEachStreamedEventAsItArrivesNotWhenTheResponseEnds() throws Exception {
        ScriptedUpstream upstream = upstream();
        LogprobProxy proxy = proxy(upstream, topic());
        CountDownLatch firstEventSeen = new CountDownLatch(1);
        upstream.gate(firstEventSeen);
        OpenAiRecording r = recordings.get(2);
        HttpResponse<InputStream> resp = client.send(HttpRequest.newBuilder(proxy.uri().resolve("/v1/chat/completions"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(request(r, true, false, 1))).build(), HttpResponse.BodyHandlers.ofInputStream());
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        try (InputStream in = resp.body()) {
            byte[] buf = new byte[4096];
            int n;
            while ((n = in.read(buf)) > 0) {
                got.write(buf, 0, n);
                if (firstEventSeen.getCount() > 0 && got.toString(StandardCharsets.UTF_8).contains("\n\n")) {
                    firstEventSeen.countDown();
                }
            }
        }
        assertFalse(upstream.gateTimedOut(), "the first event reached the client while the upstream held the rest back");
        assertArrayEquals(r.sseWithoutLogprobs(), got.toByteArray());
    }

    @Test
    void shouldCutAStreamWhoseUpstreamStopsSendingEndItCleanlyAndPublishItsRolloutAsAbandoned() throws Exception {
        cutStream(true);
    }

    @Test
    void shouldCutAStrippedStreamTheSameWay() throws Exception {
        cutStream(false);
    }

    /** The upstream sends headers and six events, then nothing; the client asked for logprobs itself or not (stripped). */
    private void cutStream(boolean clientAsks) throws Exception {
        ScriptedUpstream upstream = upstream();
        String topic = topic();
        Properties kafka = new Properties();
        kafka.put("linger.ms", "5");
        // one request thread: the cut stream must give it back for the next request to be served at all
        LogprobProxy proxy = LogprobProxy.start(ProxyConfig.builder(upstream.uri(), BROKER.bootstrapServers(), RELEASE)
                .listen("127.0.0.1", 0).topic(topic).topLogprobs(5).kafkaProperties(kafka).maxConcurrentRequests(1)
                .upstreamIdleTimeout(Duration.ofMillis(500)).build());
        started.add(proxy);
        CountDownLatch never = new CountDownLatch(1);
        upstream.gate(never, 6);
        try {
            OpenAiRecording r = recordings.get(2);
            HttpResponse<byte[]> cut = post(proxy, request(r, true, clientAsks, 1));
            assertEquals(200, cut.statusCode());
            String sse = new String(r.sse(), StandardCharsets.UTF_8);
            String seen = new String(clientAsks ? r.sse() : r.sseWithoutLogprobs(), StandardCharsets.UTF_8);
            int sixth = 0;
            int sixthSeen = 0;
            for (int i = 0; i < 6; i++) {
                sixth = sse.indexOf("\n\n", sixth) + 2;
                sixthSeen = seen.indexOf("\n\n", sixthSeen) + 2;
            }
            byte[] sentBeforeStall = sse.substring(0, sixth).getBytes(StandardCharsets.UTF_8);
            String body = new String(cut.body(), StandardCharsets.UTF_8);
            assertTrue(body.startsWith(seen.substring(0, sixthSeen)), "what the upstream sent is relayed as without the stall");
            sixth = sixthSeen;
            assertEquals("data: {\"error\":{\"message\":\"canopy proxy: upstream sent nothing for PT0.5S; stream cut\","
                    + "\"type\":\"canopy_proxy_error\",\"code\":504}}\n\n", body.substring(sixth), "the stream ends with an error event");
            assertFalse(body.contains("[DONE]"));

            // the same request thread serves the next request
            HttpResponse<String> models = client.send(HttpRequest.newBuilder(proxy.uri().resolve("/v1/models")).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, models.statusCode());

            CollectingSink sink = new CollectingSink();
            StreamingAdapter a = OpenAiAdapter.stream(RolloutContext.of("gpt-4o", RELEASE, null, null), sink);
            a.feed(sentBeforeStall, 0, sentBeforeStall.length);
            a.abort();
            List<byte[]> expected = EventChecks.values(sink);
            assertTrue(expected.size() >= 3, "tokens arrived before the stall: " + expected.size());
            List<byte[]> consumed = KafkaTestSupport.values(KafkaTestSupport.readAll(BROKER.bootstrapServers(), topic, expected.size(),
                    Duration.ofSeconds(20)));
            assertEquals(withoutTimestamps(expected), withoutTimestamps(consumed));
            for (byte[] e : consumed) {
                assertFalse(Json.read(e).has("final"), "a cut rollout is never final");
            }
            var rollouts = EventChecks.replay(consumed).values();
            assertEquals(1, rollouts.size());
            assertTrue(rollouts.iterator().next().abandoned(), "the monitor counts the cut rollout as abandoned, not measured");
            String metrics = scrape(proxy.metricsUri());
            assertEquals(1.0, value(metrics, "canopy_proxy_upstream_errors_total{kind=\"idle\"}"), metrics);
        } finally {
            never.countDown();
        }
    }

    @Test
    void shouldCutUninstrumentedBodiesThatStallMidEventOrMidLengthWithoutHoldingTheClient() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        HttpServer stalling = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 8);
        stalling.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        stalling.createContext("/", ex -> {
            boolean sse = ex.getRequestURI().getPath().endsWith("/stream");
            ex.getResponseHeaders().set("Content-Type", sse ? "text/event-stream" : "application/json");
            ex.sendResponseHeaders(200, sse ? 0 : 100);
            ex.getResponseBody().write((sse ? "data: {\"a\":1}\n\ndata: {\"b\"" : "{\"partial\":").getBytes(StandardCharsets.UTF_8));
            ex.getResponseBody().flush();
            try {
                release.await(30, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ex.close();
        });
        stalling.start();
        started.add(() -> {
            release.countDown();
            stalling.stop(0);
            ((java.util.concurrent.ExecutorService) stalling.getExecutor()).shutdownNow();
        });
        LogprobProxy proxy = LogprobProxy.start(ProxyConfig.builder(URI.create("http://127.0.0.1:" + stalling.getAddress().getPort()),
                        "127.0.0.1:" + KafkaTestSupport.closedPort(), RELEASE)
                .listen("127.0.0.1", 0).upstreamIdleTimeout(Duration.ofMillis(300)).build());
        started.add(proxy);

        HttpResponse<String> stream = client.send(HttpRequest.newBuilder(proxy.uri().resolve("/events/stream")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals("data: {\"a\":1}\n\ndata: {\"b\"\n\ndata: {\"error\":{\"message\":\"canopy proxy: upstream sent nothing for PT0.3S;"
                + " stream cut\",\"type\":\"canopy_proxy_error\",\"code\":504}}\n\n", stream.body(),
                "the partial event is terminated, then the error event ends the stream");

        // a body of announced length that stops short: the client sees it end early instead of waiting
        java.io.IOException shortBody = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                () -> client.send(HttpRequest.newBuilder(proxy.uri().resolve("/json")).GET().build(), HttpResponse.BodyHandlers.ofString()));
        assertTrue(shortBody.toString().length() > 0);
        assertEquals(2.0, value(scrape(proxy.metricsUri()), "canopy_proxy_upstream_errors_total{kind=\"idle\"}"));
    }

    @Test
    void shouldKeepServingUnchangedResponsesWhenKafkaIsDownAndCountTheDroppedEvents() throws Exception {
        // one recording per question, so that every request for a question gets the same answer
        List<OpenAiRecording> served = List.of(recordings.get(0), recordings.get(2), recordings.get(3));
        ScriptedUpstream upstream = upstream(served);
        Properties kafka = new Properties();
        kafka.put("max.block.ms", "200");
        kafka.put("reconnect.backoff.max.ms", "200");
        LogprobProxy proxy = proxy(upstream, "127.0.0.1:" + KafkaTestSupport.closedPort(), "canopy.tokens", kafka, 4096);
        int requests = 0;
        for (int round = 0; round < 2; round++) {
            for (OpenAiRecording r : served) {
                long t0 = System.nanoTime();
                HttpResponse<byte[]> s = post(proxy, request(r, true, false, 1));
                assertArrayEquals(r.sseWithoutLogprobs(), s.body());
                HttpResponse<byte[]> j = post(proxy, Recordings.write(r.request()));
                assertArrayEquals(r.sse(), j.body());
                requests += 2;
                assertTrue(System.nanoTime() - t0 < 5_000_000_000L, "responses are not held up by Kafka");
            }
        }
        String metrics = scrape(proxy.metricsUri());
        assertEquals(0.0, value(metrics, "canopy_connector_events_published_total"));
        double dropped = value(metrics, "canopy_connector_events_dropped_total{reason=\"buffer_full\"}")
                + value(metrics, "canopy_connector_events_dropped_total{reason=\"send_failed\"}");
        assertTrue(dropped > 0, "dropped events are counted:\n" + metrics);
        assertEquals(requests, value(metrics, "canopy_proxy_requests_total{code=\"200\",endpoint=\"chat_completions\"}"));
        assertTrue(metrics.contains("canopy_connector_event_buffer_fill_ratio"));
        assertTrue(metrics.contains("canopy_proxy_upstream_latency_seconds_bucket"));
    }

    @Test
    void shouldRelayOtherRoutesAndAnswer502WhenTheUpstreamIsGone() throws Exception {
        ScriptedUpstream upstream = upstream();
        LogprobProxy proxy = proxy(upstream, topic());
        HttpResponse<String> models = client.send(HttpRequest.newBuilder(proxy.uri().resolve("/v1/models?limit=2")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, models.statusCode());
        assertEquals("scripted", models.headers().firstValue("X-Upstream").orElse(null));
        assertTrue(models.body().contains("gpt-4o"));
        assertEquals("limit=2", upstream.received().get(0).query());
        HttpResponse<String> unknown = client.send(HttpRequest.newBuilder(proxy.uri().resolve("/v1/nothing")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(404, unknown.statusCode());
        assertEquals("{\"error\":{\"message\":\"no such route\"}}", unknown.body());

        HttpResponse<String> health = client.send(HttpRequest.newBuilder(proxy.uri().resolve("/canopy/healthz")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals("ok\n", health.body());
        assertEquals(2, upstream.received().size(), "the proxy's own paths are not forwarded");

        upstream.close();
        HttpResponse<String> gone = client.send(HttpRequest.newBuilder(proxy.uri().resolve("/v1/chat/completions"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"gpt-4o\",\"messages\":[]}")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(502, gone.statusCode());
        assertTrue(gone.body().contains("canopy proxy: upstream unreachable"));
        assertEquals(1.0, value(scrape(proxy.metricsUri()), "canopy_proxy_upstream_errors_total{kind=\"connect\"}"));
    }

    private String scrape(URI uri) throws Exception {
        return client.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    private static double value(String exposition, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(exposition);
        return m.find() ? Double.parseDouble(m.group(1)) : 0.0;
    }
}
