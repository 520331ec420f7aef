package dev.canopy.tests.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.NullNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.TreeSet;

/**
 * Comparing report JSON (the schema of {@code canopy replay} and {@code GET /api/v1/report}): same
 * structure, same strings, booleans and nulls, integers equal, other numbers equal to
 * {@value #RELATIVE_TOLERANCE} relative (summation order differs between one replay thread and a
 * partitioned stream). A failure lists every differing JSON path with both values.
 */
public final class Reports {

    /** Allowed relative difference of two non-integer numbers. */
    public static final double RELATIVE_TOLERANCE = 1e-9;
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final int MAX_LISTED = 40;

    /** The headline counts of a report: rollouts measured (all groups), abandoned, rejected. */
    public record Totals(long rollouts, long abandoned, long rejected) {
    }

    private Reports() {
    }

    public static JsonNode parse(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + json, e);
        }
    }

    public static Totals totals(String json) {
        return totals(parse(json));
    }

    public static Totals totals(JsonNode report) {
        long rollouts = 0;
        for (JsonNode g : report.path("groups")) {
            rollouts += g.path("rollouts").asLong();
        }
        return new Totals(rollouts, report.path("abandoned").asLong(), report.path("rejected").asLong());
    }

    /** The group entry of a report for one model and release; a missing node when absent. */
    public static JsonNode group(JsonNode report, String model, String release) {
        for (JsonNode g : report.path("groups")) {
            if (g.path("model").asText().equals(model) && g.path("release").asText().equals(release)) {
                return g;
            }
        }
        return MissingNode.getInstance();
    }

    /**
     * Polls the monitor's report until its totals are the expected report's and every release's semantic
     * block accounts for each of its completed rollouts (embedded, not sampled, over budget or without text).
     */
    public static JsonNode awaitSemantic(int port, JsonNode expected, java.time.Duration timeout) {
        Totals totals = totals(expected);
        return Poll.until("every completed rollout to have a semantic outcome", timeout,
                () -> parse(Http.getOk(port, "/api/v1/report")), report -> {
                    if (!totals(report).equals(totals)) {
                        return false;
                    }
                    for (JsonNode g : report.path("groups")) {
                        JsonNode c = g.path("semantic").path("rollouts");
                        long seen = c.path("embedded").asLong() + c.path("not_sampled").asLong() + c.path("over_budget").asLong()
                                + c.path("without_text").asLong();
                        if (seen != g.path("rollouts").asLong()) {
                            return false;
                        }
                    }
                    return true;
                }, report -> totals(report).toString());
    }

    /**
     * Fails unless every release of {@code expected} (a {@code replay --semantic} report) has the same
     * semantic measurements in {@code actual} (a monitor's report), to the relative tolerance; the
     * monitor's cost counts ({@code rollouts}, {@code rollouts_embedded}) are not compared.
     */
    public static void assertSameSemantic(JsonNode expected, JsonNode actual) {
        for (JsonNode e : expected.path("groups")) {
            String model = e.path("model").asText();
            String release = e.path("release").asText();
            JsonNode got = group(actual, model, release).path("semantic");
            if (got.isMissingNode() || got.isNull()) {
                throw new AssertionError("no semantic block for " + model + "@" + release);
            }
            assertEquivalent(withoutCosts(e.path("semantic")), withoutCosts(got), "semantic block of " + model + "@" + release);
        }
    }

    private static JsonNode withoutCosts(JsonNode semantic) {
        com.fasterxml.jackson.databind.node.ObjectNode copy = semantic.deepCopy();
        copy.remove(List.of("rollouts", "rollouts_embedded"));
        return copy;
    }

    /** A copy of a report without its semantic blocks. */
    public static JsonNode withoutSemantic(JsonNode report) {
        JsonNode copy = report.deepCopy();
        for (JsonNode g : copy.path("groups")) {
            ((com.fasterxml.jackson.databind.node.ObjectNode) g).remove("semantic");
        }
        return copy;
    }

    /** Fails, listing the differing paths, unless {@code actual} equals {@code expected} as described above. */
    public static void assertEquivalent(String expectedJson, String actualJson) {
        assertEquivalent(parse(expectedJson), parse(actualJson), "report");
    }

    public static void assertEquivalent(JsonNode expected, JsonNode actual, String what) {
        List<String> diffs = differences(expected, actual);
        if (!diffs.isEmpty()) {
            StringBuilder sb = new StringBuilder(what).append(" differs from the reference at ").append(diffs.size()).append(" path(s):");
            diffs.stream().limit(MAX_LISTED).forEach(d -> sb.append("\n  ").append(d));
            if (diffs.size() > MAX_LISTED) {
                sb.append("\n  ... and ").append(diffs.size() - MAX_LISTED).append(" more");
            }
            throw new AssertionError(sb.toString());
        }
    }

    /** Every difference, as "path: expected X, got Y". */
    public static List<String> differences(JsonNode expected, JsonNode actual) {
        List<String> out = new ArrayList<>();
        compare("$", expected, actual, out);
        return out;
    }

    private static void compare(String path, JsonNode e, JsonNode a, List<String> out) {
        if (e == null) {
            e = NullNode.getInstance();
        }
        if (a == null) {
            a = NullNode.getInstance();
        }
        if (e.isObject() && a.isObject()) {
            TreeSet<String> names = new TreeSet<>();
            e.fieldNames().forEachRemaining(names::add);
            a.fieldNames().forEachRemaining(names::add);
            for (String n : names) {
                String p = path + "." + n;
                if (!e.has(n)) {
                    out.add(p + ": unexpected field, got " + a.get(n));
                } else if (!a.has(n)) {
                    out.add(p + ": missing, expected " + e.get(n));
                } else {
                    compare(p, e.get(n), a.get(n), out);
                }
            }
            return;
        }
        if (e.isArray() && a.isArray()) {
            if (e.size() != a.size()) {
                out.add(path + ": expected " + e.size() + " elements, got " + a.size());
            }
            Iterator<JsonNode> ei = e.elements();
            Iterator<JsonNode> ai = a.elements();
            for (int i = 0; ei.hasNext() && ai.hasNext(); i++) {
                compare(path + "[" + i + "]" + label(e.get(i)), ei.next(), ai.next(), out);
            }
            return;
        }
        if (e.isNumber() && a.isNumber()) {
            if (e.isIntegralNumber() && a.isIntegralNumber()) {
                if (e.longValue() != a.longValue()) {
                    out.add(path + ": expected " + e + ", got " + a);
                }
            } else if (!close(e.doubleValue(), a.doubleValue())) {
                out.add(path + ": expected " + e + ", got " + a + " (relative difference "
                        + Math.abs(e.doubleValue() - a.doubleValue()) / Math.max(Math.abs(e.doubleValue()), Math.abs(a.doubleValue())) + ")");
            }
            return;
        }
        if (!e.equals(a)) {
            out.add(path + ": expected " + e + ", got " + a);
        }
    }

    /** A readable tag for array elements that name themselves (groups, prompts). */
    private static String label(JsonNode n) {
        if (n != null && n.isObject()) {
            if (n.has("prompt_id")) {
                return "{" + n.get("prompt_id").asText() + "}";
            }
            if (n.has("model") && n.has("release")) {
                return "{" + n.get("model").asText() + "@" + n.get("release").asText() + "}";
            }
        }
        return "";
    }

    static boolean close(double x, double y) {
        if (x == y) {
            return true;
        }
        return Math.abs(x - y) <= RELATIVE_TOLERANCE * Math.max(Math.abs(x), Math.abs(y));
    }
}
