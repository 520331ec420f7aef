package dev.canopy.monitor.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.canopy.analysis.compare.LiveComparison;
import dev.canopy.core.assembly.CompletedRollout;
import dev.canopy.core.stats.GroupAccumulator;
import dev.canopy.core.stats.GroupKey;
import dev.canopy.core.stats.GroupMetrics;
import dev.canopy.monitor.query.FixedMetadata;
import dev.canopy.monitor.query.InMemoryLocalStores;
import dev.canopy.monitor.query.InMemoryPeers;
import dev.canopy.monitor.query.PeerClient;
import dev.canopy.monitor.query.QueryService;
import dev.canopy.topology.StoreNames;
import dev.canopy.topology.StoreReports;
import dev.canopy.topology.WindowValue;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The page's files and JSON endpoints over a query service on in-memory stores: two models with two
 * releases each, one release's windows held by "another instance" (answered in /api/v1/windows' format).
 */
class WebPageTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newHttpClient();
    private static final long T0 = 1_764_000_000_000L;
    private static final HostInfo OTHER = new HostInfo("10.0.0.2", 9400);
    private static final HostInfo DOWN = new HostInfo("10.0.0.3", 9400);

    private final InMemoryLocalStores stores = new InMemoryLocalStores();
    private final FixedMetadata metadata = new FixedMetadata();
    private final InMemoryPeers peers = new InMemoryPeers();
    private final Map<GroupKey, GroupAccumulator> groups = stores.groups;
    private final Map<GroupKey, List<WindowValue>> windows = stores.windows;
    private final List<String> fetched = peers.asked;
    private HttpServer server;
    private String base;

    @BeforeEach
    void start() throws IOException {
        // a: negative rho in r1, positive in r2; b: a single stream of rollouts per release
        add("model-a", "r1", T0, -1, 0);
        add("model-a", "r2", T0 + 60_000, 1, 1);
        add("model-b", "base", T0 + 5_000, -1, 2);
        add("model-b", "tuned", T0 + 90_000, -1, 3);
        GroupKey remote = new GroupKey("model-a", "r2");
        metadata.owners.put(StoreNames.WINDOWS + "/" + StoreReports.groupKey(remote), OTHER);
        peers.answering.put(OTHER, path -> {
            try {
                return windowsJson(remote);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        WebPage page = new WebPage(new QueryService(stores, metadata, peers, false));
        WebAssets assets = new WebAssets();
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/api/v1/releases", ex -> run(ex, () -> page.releases(ex)));
        server.createContext("/api/v1/series", ex -> run(ex, () -> page.series(ex)));
        server.createContext("/api/v1/compare", ex -> run(ex, () -> page.compare(ex)));
        server.createContext("/", ex -> run(ex, () -> assets.page(ex)));
        server.start();
        base = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private interface Call {
        void run() throws Exception;
    }

    private static void run(HttpExchange ex, Call call) {
        try (ex) {
            call.run();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** 400 rollouts over 8 prompts whose entropy rate rises (sign 1) or falls (sign -1) with length. */
    private void add(String model, String release, long from, int sign, long seed) {
        GroupKey key = new GroupKey(model, release);
        GroupAccumulator all = new GroupAccumulator();
        List<WindowValue> kept = new ArrayList<>();
        SplittableRandom rng = new SplittableRandom(seed);
        for (int w = 0; w < 4; w++) {
            GroupAccumulator window = new GroupAccumulator();
            for (int i = 0; i < 100; i++) {
                int length = 20 + rng.nextInt(200);
                double rate = 1.5 + sign * length / 400.0 + rng.nextDouble() * 0.2;
                CompletedRollout r = new CompletedRollout(model, release, release + "-" + w + "-" + i, "p" + (i % 8), length,
                        rate * length, rate * length * 1.1, "stop", length, 0, 0, from + w * 10_000L + i, false);
                all.add(r);
                window.add(r);
            }
            kept.add(new WindowValue(from + w * 10_000L - 300_000, from + w * 10_000L, w < 3, window));
        }
        groups.put(key, all);
        windows.put(key, kept);
    }

    /** A release's windows as another instance's GET /api/v1/windows?local=1 answers them: the API's own writer. */
    private byte[] windowsJson(GroupKey key) throws IOException {
        return HttpApi.windowsJson(key, windows.get(key));
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return CLIENT.send(HttpRequest.newBuilder(URI.create(base + path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode ok(String path) throws IOException, InterruptedException {
        HttpResponse<String> r = get(path);
        assertEquals(200, r.statusCode(), path + ": " + r.body());
        return JSON.readTree(r.body());
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    @Test
    void shouldServeThePageAndTheChartingLibraryFromTheJar() throws Exception {
        HttpResponse<String> index = get("/");
        assertEquals(200, index.statusCode());
        assertTrue(index.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
        assertTrue(index.body().contains("<script src=\"vendor/uPlot.iife.min.js\">") && index.body().contains("app.js"), index.body());
        assertFalse(index.body().contains("http://") || index.body().contains("https://"), "no file from the network");
        for (String path : List.of("/app.js", "/style.css", "/vendor/uPlot.iife.min.js", "/vendor/uPlot.min.css")) {
            HttpResponse<String> r = get(path);
            assertEquals(200, r.statusCode(), path);
            assertTrue(r.body().length() > 100, path);
        }
        assertTrue(get("/vendor/uPlot.iife.min.js").body().contains("uPlot"));
    }

    @Test
    void shouldAnswer404ForAnyOtherPathWithoutReadingIt() throws Exception {
        for (String path : List.of("/nope", "/web/index.html", "/../pom.xml", "/%2e%2e/%2e%2e/etc/passwd", "/vendor/", "/vendor/uPlot.d.ts",
                "/META-INF/MANIFEST.MF", "/dev/canopy/app/Canopy.class", "/app.js/", "/" + "a".repeat(5000))) {
            HttpResponse<String> r = get(path);
            assertEquals(404, r.statusCode(), path);
            assertTrue(JSON.readTree(r.body()).get("error").asText().contains("/api/v1/report"), r.body());
        }
    }

    @Test
    void shouldListEveryReleaseInDeploymentOrderWithItsBaselineAndCumulativeNumbers() throws Exception {
        JsonNode releases = ok("/api/v1/releases").get("releases");
        List<String> order = new ArrayList<>();
        releases.forEach(r -> order.add(r.get("model").asText() + "@" + r.get("release").asText() + "<" + r.get("baseline").asText()));
        assertEquals(List.of("model-a@r1<", "model-a@r2<r1", "model-b@base<", "model-b@tuned<base"), order);
        for (JsonNode r : releases) {
            GroupKey key = new GroupKey(r.get("model").asText(), r.get("release").asText());
            GroupMetrics m = GroupMetrics.of(key, groups.get(key));
            assertEquals(400, r.get("rollouts").asLong());
            assertEquals(groups.get(key).firstSeen(), r.get("deployed_at").asLong());
            assertEquals(m.ceStar(), r.get("ce_star").asDouble());
            assertEquals(m.lengthEntropyRate().pearson(), r.get("pearson").asDouble());
            assertEquals(m.pearsonInterval()[0], r.get("pearson_ci_low").asDouble());
            assertEquals(m.pearsonInterval()[1], r.get("pearson_ci_high").asDouble());
            assertFalse(r.has("diversity_entropy_rate_pearson"), "no semantic column when it is off");
        }
        assertTrue(releases.get(0).get("pearson").asDouble() < 0 && releases.get(1).get("pearson").asDouble() > 0);
    }

    @Test
    void shouldSayWhichInstanceIsMissingWhenAnotherInstanceGaveNoPartInTime() throws Exception {
        assertFalse(ok("/api/v1/releases").has("partial"), "a complete list has no partial fields");
        metadata.others.add(new PeerClient.Peer(DOWN, List.of("2_1")));
        JsonNode releases = ok("/api/v1/releases");
        assertTrue(releases.get("partial").asBoolean());
        assertEquals("10.0.0.3:9400", releases.get("unreachable").get(0).get("instance").asText());
        assertEquals("2_1", releases.get("unreachable").get(0).get("partitions").get(0).asText());
        assertEquals(4, releases.get("releases").size(), "the releases this instance could gather are still listed");
    }

    @Test
    void shouldGiveEachReleasesWindowsFromWhicheverInstanceHoldsThem() throws Exception {
        JsonNode series = ok("/api/v1/series?model=model-a");
        assertEquals("model-a", series.get("model").asText());
        assertEquals(List.of("/api/v1/windows?local=1&model=model-a&release=r2").stream().map(p -> OTHER + p).toList(), fetched,
                "r2's windows are read from the instance that owns them, r1's locally");
        JsonNode releases = series.get("releases");
        assertEquals(2, releases.size());
        for (JsonNode r : releases) {
            GroupKey key = new GroupKey("model-a", r.get("release").asText());
            List<WindowValue> expected = windows.get(key);
            assertEquals(expected.size(), r.get("windows").size());
            for (int i = 0; i < expected.size(); i++) {
                JsonNode p = r.get("windows").get(i);
                GroupMetrics m = GroupMetrics.of(key, expected.get(i).accumulator());
                assertEquals(expected.get(i).end(), p.get("end").asLong());
                assertEquals(expected.get(i).closed(), p.get("closed").asBoolean());
                assertEquals(m.rollouts(), p.get("rollouts").asLong());
                assertEquals(m.ceStar(), p.get("ce_star").asDouble(), 0.0);
                assertEquals(m.lengthEntropyRate().pearson(), p.get("pearson").asDouble(), 0.0);
                assertEquals(m.pearsonInterval()[0], p.get("pearson_ci_low").asDouble(), 0.0);
                assertEquals(m.pearsonInterval()[1], p.get("pearson_ci_high").asDouble(), 0.0);
                assertFalse(p.has("per_prompt"), "only what the charts draw");
            }
        }
        assertEquals("r1", releases.get(1).get("baseline").asText());
    }

    @Test
    void shouldNameTheKnownModelsAndRejectBadNames() throws Exception {
        HttpResponse<String> unknown = get("/api/v1/series?model=" + enc("model-c\"<script>"));
        assertEquals(404, unknown.statusCode());
        String message = JSON.readTree(unknown.body()).get("error").asText();
        assertTrue(message.contains("model-c\"<script>") && message.contains("model-a, model-b"), message);
        for (String path : List.of("/api/v1/series", "/api/v1/series?model=", "/api/v1/series?model=" + "m".repeat(WebPage.MAX_NAME + 1),
                "/api/v1/compare", "/api/v1/compare?model=model-a&baseline=", "/api/v1/compare?model=model-a&candidate=" + "r".repeat(100_000))) {
            HttpResponse<String> r = get(path);
            assertEquals(400, r.statusCode(), path + ": " + r.body());
            assertTrue(JSON.readTree(r.body()).get("error").asText().startsWith("give ")
                    || JSON.readTree(r.body()).get("error").asText().contains("release names"), r.body());
        }
        assertTrue(fetched.isEmpty(), "a bad request reaches no other instance");
    }

    @Test
    void shouldCompareTheNewestReleaseWithItsBaselineByDefaultAsCanopyCompareDoes() throws Exception {
        HttpResponse<String> r = get("/api/v1/compare?model=model-a");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode c = JSON.readTree(r.body());
        assertEquals("model-a@r1", c.get("baseline").asText());
        assertEquals("model-a@r2", c.get("candidate").asText());
        assertEquals(LiveComparison.REPLICATES, c.get("replicates").asInt());
        JsonNode rho = c.get("metrics").get("length_entropy_rate.pearson");
        assertTrue(rho.get("delta").asDouble() > 0 && rho.get("significant").asBoolean(), rho.toString());
        GroupKey a = new GroupKey("model-a", "r1");
        GroupKey b = new GroupKey("model-a", "r2");
        byte[] direct = LiveComparison.json(WebPage.twoGroups(new StoreReports.Partial(groups, new java.util.TreeMap<>(), new HashMap<>()), a, b, false),
                URI.create("http://x/api/v1/report"), "model-a", "r1", "r2");
        assertEquals(JSON.readTree(direct), c, "the endpoint answers the comparison of the report's two groups");
        assertArrayEquals(r.body().getBytes(StandardCharsets.UTF_8), get("/api/v1/compare?model=model-a&baseline=r1&candidate=r2").body()
                .getBytes(StandardCharsets.UTF_8), "the explicit pair is the default pair, answered from the cache");

        HttpResponse<String> reversed = get("/api/v1/compare?model=model-a&baseline=r2&candidate=r1");
        assertEquals(200, reversed.statusCode());
        assertEquals(-rho.get("delta").asDouble(), JSON.readTree(reversed.body()).get("metrics").get("length_entropy_rate.pearson").get("delta").asDouble(), 1e-12);
    }

    @Test
    void shouldExplainComparisonsThatCannotBeMade() throws Exception {
        HttpResponse<String> same = get("/api/v1/compare?model=model-a&baseline=r1&candidate=r1");
        assertEquals(409, same.statusCode());
        assertTrue(same.body().contains("two different releases"), same.body());
        HttpResponse<String> unknown = get("/api/v1/compare?model=model-a&baseline=r0&candidate=r2");
        assertEquals(404, unknown.statusCode());
        assertTrue(JSON.readTree(unknown.body()).get("error").asText().contains("its releases: r1, r2"), unknown.body());
        groups.keySet().removeIf(k -> k.release().equals("tuned"));
        HttpResponse<String> alone = get("/api/v1/compare?model=model-b");
        assertEquals(404, alone.statusCode());
        assertTrue(alone.body().contains("has no baseline yet"), alone.body());
    }

    @Test
    void shouldKeepOneModelsAnswerSmallAmong200Releases() throws Exception {
        int seriesAlone = get("/api/v1/series?model=model-a").body().length();
        for (int m = 0; m < 98; m++) {
            add("fleet-" + m, "v1", T0, -1, 10 + m);
            add("fleet-" + m, "v2", T0 + 60_000, 1, 1000 + m);
        }
        JsonNode releases = ok("/api/v1/releases").get("releases");
        assertEquals(200, releases.size());
        int listed = get("/api/v1/releases").body().length();
        assertTrue(listed < 200 * 400, "the list of 200 releases stays a few hundred bytes each: " + listed);
        assertEquals(seriesAlone, get("/api/v1/series?model=model-a").body().length(), "the charts read only their model");
        HttpResponse<String> unknown = get("/api/v1/series?model=nope");
        assertTrue(JSON.readTree(unknown.body()).get("error").asText().endsWith("and 80 more"), "the message names 20 of 100 models");
    }
}
