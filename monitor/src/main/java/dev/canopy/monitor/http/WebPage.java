package dev.canopy.monitor.http;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import dev.canopy.core.UserError;
import dev.canopy.analysis.compare.LiveComparison;
import dev.canopy.monitor.query.QueryService;
import dev.canopy.core.report.ReportJson;
import dev.canopy.core.stats.GroupAccumulator;
import dev.canopy.core.stats.GroupKey;
import dev.canopy.core.stats.GroupMetrics;
import dev.canopy.semantic.SemanticCodec;
import dev.canopy.topology.ReleaseLineage;
import dev.canopy.topology.StoreReports;
import dev.canopy.topology.WindowValue;

import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Semaphore;

/**
 * The three JSON endpoints the monitor's web page reads besides {@code /api/v1/shifts} (the page's own
 * files are {@link WebAssets}):
 * <ul>
 *   <li>{@code GET /api/v1/releases}: every model and release with its deployment time, baseline and
 *       cumulative CE*, rho(N, r) with its interval and, with semantic diversity on, corr(d, r)</li>
 *   <li>{@code GET /api/v1/series?model=M}: the kept rolling windows of each release of one model, only
 *       the numbers the charts draw</li>
 *   <li>{@code GET /api/v1/compare?model=M[&baseline=R1&candidate=R2]}: compare.json as
 *       {@code canopy compare --from} writes it; by default the newest release against its baseline</li>
 * </ul>
 * Every answer covers all instances, as the report does.
 */
public final class WebPage {

    /** Longest model or release name accepted in a query; the event contract allows far less. */
    static final int MAX_NAME = 512;
    /** Names listed in a "no such model" message. */
    private static final int LISTED = 20;
    /** Comparisons kept, newest used first; each is a few kB. */
    private static final int CACHED = 32;

    private final QueryService queries;
    /** One bootstrap at a time: it takes a core for a second or more. */
    private final Semaphore comparing = new Semaphore(1);
    private final Map<String, byte[]> comparisons = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, byte[]> eldest) {
            return size() > CACHED;
        }
    };

    public WebPage(QueryService queries) {
        this.queries = queries;
    }

    /** {@code GET /api/v1/releases}. */
    void releases(HttpExchange ex) throws IOException, InterruptedException {
        HttpApi.respond(ex, 200, "application/json", releasesJson(queries.overview(), queries.semantic()));
    }

    static byte[] releasesJson(QueryService.Overview overview, boolean semantic) throws IOException {
        StoreReports.Partial state = overview.state();
        return Json.line(g -> {
            g.writeStartObject();
            g.writeBooleanField("semantic", semantic);
            g.writeArrayFieldStart("releases");
            for (GroupKey key : ordered(overview)) {
                ReleaseLineage.Release r = overview.lineage().get(key);
                GroupMetrics m = GroupMetrics.of(key, state.groups().get(key));
                g.writeStartObject();
                g.writeStringField("model", key.model());
                g.writeStringField("release", key.release());
                g.writeNumberField("deployed_at", r == null ? 0 : r.deployedAt());
                g.writeStringField("baseline", r == null ? "" : r.baseline());
                g.writeNumberField("rollouts", m.rollouts());
                g.writeNumberField("prompts", m.prompts());
                ReportJson.number(g, "ce_star", m.ceStar());
                ReportJson.number(g, "pearson", m.lengthEntropyRate().pearson());
                ReportJson.number(g, "pearson_ci_low", m.pearsonInterval()[0]);
                ReportJson.number(g, "pearson_ci_high", m.pearsonInterval()[1]);
                if (semantic) {
                    SemanticCodec.Result s = state.semantic().get(key);
                    if (s == null) {
                        g.writeNullField("diversity_entropy_rate_pearson");
                    } else {
                        ReportJson.number(g, "diversity_entropy_rate_pearson", s.metrics().rateCorrelation().pearson());
                    }
                }
                g.writeEndObject();
            }
            g.writeEndArray();
            Json.missing(overview.missing(), g);
            g.writeEndObject();
        });
    }

    /** Every release, by model, then in deployment order. */
    private static List<GroupKey> ordered(QueryService.Overview o) {
        List<GroupKey> keys = new ArrayList<>(o.state().groups().keySet());
        keys.sort(Comparator.comparing(GroupKey::model)
                .thenComparingLong(k -> o.lineage().containsKey(k) ? o.lineage().get(k).deployedAt() : 0)
                .thenComparing(GroupKey::release));
        return keys;
    }

    /** The model's releases in deployment order; null, after answering 404 naming the known models, when it has none. */
    private static List<GroupKey> releasesOrNotFound(HttpExchange ex, QueryService.Overview overview, String model) throws IOException {
        List<GroupKey> releases = ordered(overview).stream().filter(k -> k.model().equals(model)).toList();
        if (releases.isEmpty()) {
            unknownModel(ex, overview, model);
            return null;
        }
        return releases;
    }

    /** {@code GET /api/v1/series?model=M}. */
    void series(HttpExchange ex) throws IOException, InterruptedException {
        String model = name(ex, "model");
        if (model == null) {
            return;
        }
        QueryService.Overview overview = queries.overview();
        List<GroupKey> releases = releasesOrNotFound(ex, overview, model);
        if (releases == null) {
            return;
        }
        // fetched before writing: the body is built in a lambda that can only throw IOException
        Map<GroupKey, List<Point>> windows = new LinkedHashMap<>();
        for (GroupKey key : releases) {
            windows.put(key, windows(key));
        }
        HttpApi.respond(ex, 200, "application/json", Json.line(g -> {
            g.writeStartObject();
            g.writeStringField("model", model);
            g.writeArrayFieldStart("releases");
            for (GroupKey key : releases) {
                ReleaseLineage.Release r = overview.lineage().get(key);
                g.writeStartObject();
                g.writeStringField("release", key.release());
                g.writeNumberField("deployed_at", r == null ? 0 : r.deployedAt());
                g.writeStringField("baseline", r == null ? "" : r.baseline());
                g.writeArrayFieldStart("windows");
                for (Point p : windows.get(key)) {
                    p.write(g);
                }
                g.writeEndArray();
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        }));
    }

    /** One rolling window as the charts draw it. */
    record Point(long start, long end, boolean closed, long rollouts, double ceStar, double pearson, double low, double high) {

        static Point of(WindowValue w, GroupKey key) {
            GroupMetrics m = GroupMetrics.of(key, w.accumulator());
            return new Point(w.start(), w.end(), w.closed(), m.rollouts(), m.ceStar(), m.lengthEntropyRate().pearson(),
                    m.pearsonInterval()[0], m.pearsonInterval()[1]);
        }

        /** From one element of {@code /api/v1/windows}' windows array. */
        static Point of(JsonNode w) {
            JsonNode rho = w.path("length_entropy_rate");
            return new Point(w.path("window_start").asLong(), w.path("window_end").asLong(), w.path("closed").asBoolean(),
                    w.path("rollouts").asLong(), number(w.path("ce_star")), number(rho.path("pearson")),
                    number(rho.path("pearson_ci_low")), number(rho.path("pearson_ci_high")));
        }

        private static double number(JsonNode n) {
            return n.isNumber() ? n.asDouble() : Double.NaN;
        }

        void write(JsonGenerator g) throws IOException {
            g.writeStartObject();
            g.writeNumberField("start", start);
            g.writeNumberField("end", end);
            g.writeBooleanField("closed", closed);
            g.writeNumberField("rollouts", rollouts);
            ReportJson.number(g, "ce_star", ceStar);
            ReportJson.number(g, "pearson", pearson);
            ReportJson.number(g, "pearson_ci_low", low);
            ReportJson.number(g, "pearson_ci_high", high);
            g.writeEndObject();
        }
    }

    /** A release's windows from whichever instance owns them. */
    private List<Point> windows(GroupKey key) throws IOException, InterruptedException {
        QueryService.Windows windows = queries.windows(key);
        List<Point> out = new ArrayList<>();
        if (windows.remote()) {
            for (JsonNode w : Json.read(windows.fromOwner()).path("windows")) {
                out.add(Point.of(w));
            }
        } else {
            for (WindowValue w : windows.local()) {
                out.add(Point.of(w, key));
            }
        }
        return out;
    }

    /** {@code GET /api/v1/compare?model=M[&baseline=R1&candidate=R2]}. */
    void compare(HttpExchange ex) throws IOException, InterruptedException {
        String model = name(ex, "model");
        if (model == null) {
            return;
        }
        Map<String, String> q = HttpApi.query(ex.getRequestURI().getRawQuery());
        String baseline = q.get("baseline");
        String candidate = q.get("candidate");
        for (String v : new String[] {baseline, candidate}) {
            if (v != null && (v.isEmpty() || v.length() > MAX_NAME)) {
                HttpApi.error(ex, 400, "baseline and candidate must be release names of 1 to " + MAX_NAME + " characters");
                return;
            }
        }
        QueryService.Overview overview = queries.overview();
        List<GroupKey> releases = releasesOrNotFound(ex, overview, model);
        if (releases == null) {
            return;
        }
        if (candidate == null) {
            candidate = releases.get(releases.size() - 1).release();
        }
        if (baseline == null) {
            ReleaseLineage.Release r = overview.lineage().get(new GroupKey(model, candidate));
            baseline = r == null ? "" : r.baseline();
            if (baseline.isEmpty()) {
                HttpApi.error(ex, 404, model + "@" + candidate + " has no baseline yet: a comparison needs two releases of the model");
                return;
            }
        }
        List<String> names = releases.stream().map(GroupKey::release).toList();
        for (String r : new String[] {baseline, candidate}) {
            if (!names.contains(r)) {
                HttpApi.error(ex, 404, "the monitors hold no release '" + r + "' of " + model + "; its releases: " + String.join(", ", names));
                return;
            }
        }
        GroupKey b = new GroupKey(model, baseline);
        GroupKey c = new GroupKey(model, candidate);
        StoreReports.Partial state = overview.state();
        String cacheKey = model + "\n" + baseline + "\n" + candidate + "\n" + state.groups().get(b).rollouts() + "\n"
                + state.groups().get(c).rollouts() + "\n" + semanticKey(state, b) + "\n" + semanticKey(state, c);
        byte[] cached;
        synchronized (comparisons) {
            cached = comparisons.get(cacheKey);
        }
        if (cached != null) {
            HttpApi.respond(ex, 200, "application/json", cached);
            return;
        }
        if (!comparing.tryAcquire()) {
            ex.getResponseHeaders().set("Retry-After", "2");
            HttpApi.error(ex, 503, "another comparison is running; retry shortly");
            return;
        }
        try {
            byte[] body = LiveComparison.json(twoGroups(state, b, c, queries.semantic()), URI.create("http://" + ex.getLocalAddress().getHostString()
                    + ":" + ex.getLocalAddress().getPort() + "/api/v1/report"), model, baseline, candidate);
            synchronized (comparisons) {
                comparisons.put(cacheKey, body);
            }
            HttpApi.respond(ex, 200, "application/json", body);
        } catch (UserError e) {
            HttpApi.error(ex, 409, e.getMessage());
        } finally {
            comparing.release();
        }
    }

    private static String semanticKey(StoreReports.Partial state, GroupKey k) {
        SemanticCodec.Result s = state.semantic().get(k);
        return s == null ? "-" : Long.toString(s.metrics().embedded());
    }

    /** The two groups as the report writes them, so the comparison reads exactly what --from would. */
    static JsonNode twoGroups(StoreReports.Partial state, GroupKey b, GroupKey c, boolean semantic) throws IOException {
        ReportJson.GroupExtension extension = semantic ? state.semanticExtension() : ReportJson.GroupExtension.NONE;
        return Json.tree(g -> {
            g.writeStartObject();
            g.writeArrayFieldStart("groups");
            for (GroupKey k : List.of(b, c)) {
                GroupAccumulator acc = state.groups().get(k);
                GroupMetrics m = GroupMetrics.of(k, acc);
                g.writeStartObject();
                ReportJson.writeGroupFields(m, g);
                extension.write(m, g);
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        });
    }

    /** A required name from the query; null after answering 400. */
    private static String name(HttpExchange ex, String key) throws IOException {
        String v = HttpApi.query(ex.getRequestURI().getRawQuery()).get(key);
        if (v == null || v.isEmpty() || v.length() > MAX_NAME) {
            HttpApi.error(ex, 400, "give " + key + " (1 to " + MAX_NAME + " characters): " + ex.getRequestURI().getPath() + "?" + key + "=NAME");
            return null;
        }
        return v;
    }

    private static void unknownModel(HttpExchange ex, QueryService.Overview overview, String model) throws IOException {
        TreeSet<String> models = new TreeSet<>();
        overview.state().groups().keySet().forEach(k -> models.add(k.model()));
        List<String> listed = models.stream().limit(LISTED).toList();
        HttpApi.error(ex, 404, "the monitors hold no model '" + model + "'; models: " + (models.isEmpty() ? "none yet"
                : String.join(", ", listed) + (models.size() > LISTED ? " and " + (models.size() - LISTED) + " more" : "")));
    }
}
