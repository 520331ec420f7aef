package dev.canopy.monitor.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.canopy.core.assembly.CompletedRollout;
import dev.canopy.core.report.ReportJson;
import dev.canopy.core.stats.GroupAccumulator;
import dev.canopy.core.stats.GroupKey;
import dev.canopy.monitor.query.FixedMetadata;
import dev.canopy.monitor.query.InMemoryLocalStores;
import dev.canopy.monitor.query.InMemoryPeers;
import dev.canopy.monitor.query.PeerClient;
import dev.canopy.monitor.query.QueryService;
import dev.canopy.topology.StoreNames;
import dev.canopy.topology.StoreReports;
import dev.canopy.topology.WindowValue;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The HTTP API over nothing but a query service (in-memory stores, metadata and a second instance that
 * answers in memory) and a Kafka Streams state the test sets.
 */
class HttpApiTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newHttpClient();
    private static final HostInfo SECOND = new HostInfo("10.0.0.2", 9400);
    private static final HostInfo DOWN = new HostInfo("10.0.0.3", 9400);
    private static final GroupKey V1 = new GroupKey("m", "v1");
    private static final GroupKey V2 = new GroupKey("m", "v2");

    private final InMemoryLocalStores mine = new InMemoryLocalStores();
    private final InMemoryLocalStores theirs = new InMemoryLocalStores();
    private final FixedMetadata metadata = new FixedMetadata();
    private final InMemoryPeers peers = new InMemoryPeers();
    private final QueryService queries = new QueryService(mine, metadata, peers, false);
    private final AtomicReference<KafkaStreams.State> state = new AtomicReference<>(KafkaStreams.State.RUNNING);
    private final AtomicReference<Optional<String>> stalled = new AtomicReference<>(Optional.empty());
    private HttpApi api;
    private String base;

    @BeforeEach
    void start() {
        QueryService second = new QueryService(theirs, new FixedMetadata(), new InMemoryPeers(), false);
        peers.answering.put(SECOND, path -> {
            try {
                if (path.equals(QueryService.PARTIAL_PATH)) {
                    return second.localPartial();
                }
                if (path.equals(QueryService.SHIFTS_PATH)) {
                    return second.localShifts();
                }
                if (path.startsWith(QueryService.WINDOWS_PATH + "?local=1&model=m&release=v2")) {
                    return HttpApi.windowsJson(V2, theirs.windows(V2));
                }
            } catch (IOException e) {
                throw new AssertionError(e);
            }
            throw new AssertionError("asked for " + path);
        });
        metadata.others.add(new PeerClient.Peer(SECOND, List.of("tokens-1")));
        metadata.owners.put(StoreNames.WINDOWS + "/" + StoreReports.groupKey(V2), SECOND);
        mine.groups.put(V1, rollouts("v1", 6, 1_000));
        mine.windows.put(V1, List.of(new WindowValue(0, 300_000, true, rollouts("v1", 6, 1_000))));
        mine.rejections.put("not_json", 2L);
        theirs.groups.put(V1, rollouts("v1", 4, 2_000));
        theirs.groups.put(V2, rollouts("v2", 5, 90_000));
        theirs.windows.put(V2, List.of(new WindowValue(0, 300_000, true, rollouts("v2", 5, 90_000))));
        mine.shifts.add("{\"metric\":\"a\"}".getBytes(StandardCharsets.UTF_8));
        theirs.shifts.add("{\"metric\":\"b\"}".getBytes(StandardCharsets.UTF_8));

        api = new HttpApi(HttpApi.listen("127.0.0.1", 0), queries, state::get, stalled::get, new PrometheusRegistry());
        api.start();
        base = "http://127.0.0.1:" + api.port();
    }

    @AfterEach
    void stop() {
        api.stop();
    }

    private static GroupAccumulator rollouts(String release, int n, long from) {
        GroupAccumulator acc = new GroupAccumulator();
        for (int i = 0; i < n; i++) {
            int length = 12 + 5 * i;
            double rate = 1.8 + 0.2 * (i % 3);
            acc.add(new CompletedRollout("m", release, release + "-" + from + "-" + i, "p" + (i % 2), length, rate * length, rate * length,
                    "stop", length, 0, 0, from + i, false));
        }
        return acc;
    }

    private HttpResponse<byte[]> send(String method, String path) throws IOException, InterruptedException {
        return CLIENT.send(HttpRequest.newBuilder(URI.create(base + path)).method(method, HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    private HttpResponse<byte[]> get(String path) throws IOException, InterruptedException {
        return send("GET", path);
    }

    private static JsonNode json(HttpResponse<byte[]> r) throws IOException {
        assertEquals("application/json; charset=utf-8", r.headers().firstValue("Content-Type").orElse(""));
        return JSON.readTree(r.body());
    }

    @Test
    void shouldReportEveryInstanceMergedInReplaysSchema() throws Exception {
        HttpResponse<byte[]> r = get("/api/v1/report");
        assertEquals(200, r.statusCode(), new String(r.body(), StandardCharsets.UTF_8));
        StoreReports.Partial together = StoreReports.Partial.empty();
        together.merge(mine.partial());
        together.merge(theirs.partial());
        assertEquals(JSON.readTree(ReportJson.toJson(together.report())), json(r), "the report of one instance holding every partition");
        assertEquals(List.of(SECOND + QueryService.PARTIAL_PATH), peers.asked);
    }

    @Test
    void shouldAnswerAPartialReportAndShiftsNamingTheInstanceThatGaveNoPart() throws Exception {
        metadata.others.add(new PeerClient.Peer(DOWN, List.of("tokens-0")));

        JsonNode report = json(get("/api/v1/report"));
        assertTrue(report.get("partial").asBoolean());
        assertEquals("10.0.0.3:9400", report.get("unreachable").get(0).get("instance").asText());
        assertEquals("tokens-0", report.get("unreachable").get(0).get("partitions").get(0).asText());
        assertEquals(2, report.get("groups").size(), "what the answering instances hold is reported");

        JsonNode shifts = json(get("/api/v1/shifts"));
        assertTrue(shifts.get("partial").asBoolean());
        assertEquals("10.0.0.3:9400", shifts.get("unreachable").get(0).get("instance").asText());
    }

    @Test
    void shouldListTheVerdictsOfEveryInstance() throws Exception {
        HttpResponse<byte[]> r = get("/api/v1/shifts");
        assertEquals(200, r.statusCode());
        assertTrue(new String(r.body(), StandardCharsets.UTF_8).endsWith("}\n"));
        JsonNode shifts = json(r);
        assertEquals(JSON.readTree("[{\"metric\":\"a\"},{\"metric\":\"b\"}]"), shifts.get("shifts"));
        assertFalse(shifts.has("partial"), "a complete answer has no partial fields");
    }

    @Test
    void shouldGiveTheOtherInstancesThisOnesOwnParts() throws Exception {
        HttpResponse<byte[]> partial = get(QueryService.PARTIAL_PATH);
        assertEquals(200, partial.statusCode());
        assertEquals("application/octet-stream", partial.headers().firstValue("Content-Type").orElse(""));
        assertArrayEquals(queries.localPartial(), partial.body());

        HttpResponse<byte[]> shifts = get(QueryService.SHIFTS_PATH);
        assertEquals("application/x-ndjson", shifts.headers().firstValue("Content-Type").orElse(""));
        assertEquals("{\"metric\":\"a\"}\n", new String(shifts.body(), StandardCharsets.UTF_8));
        assertTrue(peers.asked.isEmpty(), "an instance's own parts never reach another instance");
    }

    @Test
    void shouldAnswerWindowsFromTheOwnerOrHereWhenAskedForLocalOnes() throws Exception {
        JsonNode own = json(get("/api/v1/windows?model=m&release=v1"));
        assertEquals("v1", own.get("release").asText());
        assertEquals(1, own.get("windows").size());
        assertEquals(6, own.get("windows").get(0).get("rollouts").asLong());
        assertTrue(peers.asked.isEmpty());

        HttpResponse<byte[]> forwarded = get("/api/v1/windows?model=m&release=v2");
        assertEquals(200, forwarded.statusCode());
        assertArrayEquals(HttpApi.windowsJson(V2, theirs.windows(V2)), forwarded.body(), "the owner's answer, as it gave it");
        assertEquals(List.of(SECOND + "/api/v1/windows?local=1&model=m&release=v2"), peers.asked);

        JsonNode local = json(get("/api/v1/windows?local=1&model=m&release=v2"));
        assertEquals(0, local.get("windows").size(), "local=1 reads this instance's stores, never another instance");
        assertEquals(1, peers.asked.size());

        HttpResponse<byte[]> bad = get("/api/v1/windows?model=m");
        assertEquals(400, bad.statusCode());
        assertTrue(json(bad).get("error").asText().startsWith("give model and release"));
    }

    @Test
    void shouldTellLivenessAndReadinessFromTheStreamsState() throws Exception {
        HttpResponse<byte[]> healthy = get("/healthz");
        assertEquals(200, healthy.statusCode());
        assertEquals("{\"status\":\"ok\",\"streams\":\"RUNNING\"}\n", new String(healthy.body(), StandardCharsets.UTF_8));
        assertEquals("{\"ready\":true,\"streams\":\"RUNNING\"}\n", new String(get("/readyz").body(), StandardCharsets.UTF_8));

        state.set(KafkaStreams.State.REBALANCING);
        assertEquals(200, get("/healthz").statusCode());
        HttpResponse<byte[]> rebalancing = get("/readyz");
        assertEquals(503, rebalancing.statusCode());
        assertEquals("{\"ready\":false,\"streams\":\"REBALANCING\",\"reason\":\"Kafka Streams is REBALANCING\"}\n",
                new String(rebalancing.body(), StandardCharsets.UTF_8));

        state.set(KafkaStreams.State.ERROR);
        HttpResponse<byte[]> failed = get("/healthz");
        assertEquals(503, failed.statusCode());
        assertEquals("failed", json(failed).get("status").asText());
    }

    @Test
    void shouldBeAliveButNotReadyWhileStreamThreadsKeepFailing() throws Exception {
        stalled.set(Optional.of("stream thread failed 3 times in the last 10 minutes"));
        HttpResponse<byte[]> ready = get("/readyz");
        assertEquals(503, ready.statusCode());
        assertEquals("{\"ready\":false,\"streams\":\"RUNNING\",\"reason\":\"stream thread failed 3 times in the last 10 minutes\"}\n",
                new String(ready.body(), StandardCharsets.UTF_8));
        assertEquals(200, get("/healthz").statusCode(), "a monitor that replaces its threads is alive");
        state.set(KafkaStreams.State.REBALANCING);
        assertEquals("stream thread failed 3 times in the last 10 minutes", json(get("/readyz")).get("reason").asText(),
                "the failures, not the rebalance they cause, are the reason");

        state.set(KafkaStreams.State.RUNNING);
        stalled.set(Optional.empty());
        assertEquals(200, get("/readyz").statusCode());
    }

    @Test
    void shouldAnswer503WithRetryAfterWhileStoresOrTheOwnerCannotAnswer() throws Exception {
        mine.queryable(false);
        state.set(KafkaStreams.State.REBALANCING);
        for (String path : List.of("/api/v1/report", "/api/v1/shifts", "/api/v1/releases", "/api/v1/windows?model=m&release=v1")) {
            HttpResponse<byte[]> r = get(path);
            assertEquals(503, r.statusCode(), path);
            assertEquals("2", r.headers().firstValue("Retry-After").orElse(""), path);
            assertTrue(json(r).get("error").asText().contains("REBALANCING"), path);
        }
        assertTrue(peers.asked.isEmpty());

        mine.queryable(true);
        state.set(KafkaStreams.State.RUNNING);
        peers.answering.remove(SECOND);
        HttpResponse<byte[]> noOwner = get("/api/v1/windows?model=m&release=v2");
        assertEquals(503, noOwner.statusCode());
        assertEquals("2", noOwner.headers().firstValue("Retry-After").orElse(""));
        assertTrue(json(noOwner).get("error").asText().contains("10.0.0.2:9400"), "the owner that did not answer is named");
    }

    @Test
    void shouldRefuseOtherMethodsAndAnswerHeadWithoutABody() throws Exception {
        HttpResponse<byte[]> post = send("POST", "/api/v1/report");
        assertEquals(405, post.statusCode());
        assertEquals("only GET is supported", json(post).get("error").asText());
        HttpResponse<byte[]> head = send("HEAD", "/healthz");
        assertEquals(200, head.statusCode());
        assertEquals(0, head.body().length);
    }

    @Test
    void shouldServeMetricsThePageAndA404ElsewhereOnTheSamePort() throws Exception {
        HttpResponse<byte[]> metrics = get("/metrics");
        assertEquals(200, metrics.statusCode());
        HttpResponse<byte[]> page = get("/");
        assertEquals(200, page.statusCode());
        assertTrue(page.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
        HttpResponse<byte[]> missing = get("/nope");
        assertEquals(404, missing.statusCode());
        assertTrue(json(missing).get("error").asText().startsWith("not found"));
    }
}
