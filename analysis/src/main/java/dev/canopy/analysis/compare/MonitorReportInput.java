package dev.canopy.analysis.compare;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.canopy.core.UserError;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the two releases from a running monitor's {@code GET /api/v1/report}: the report's values as point
 * estimates and its {@code per_prompt} entries for the prompt bootstrap. A report carries no rollout-level
 * data, so the rollout bootstrap (traffic without prompt ids) and the scatter plot need event files.
 * With {@code --semantic} each group's {@code semantic} block (written when the monitor measures semantic
 * diversity) gives the semantic values and its {@code per_prompt} entries their bootstrap.
 */
final class MonitorReportInput {

    static final String REPORT_PATH = "/api/v1/report";

    private MonitorReportInput() {
    }

    static LoadedReleases read(String from, ReleaseRef baseline, ReleaseRef candidate) {
        return read(from, baseline, candidate, false);
    }

    /** @param semantic whether to read the groups' semantic blocks too ({@code --semantic}) */
    static LoadedReleases read(String from, ReleaseRef baseline, ReleaseRef candidate, boolean semantic) {
        URI uri = reportUri(from);
        return of(fetch(from, uri), from, uri, baseline, candidate, semantic);
    }

    /** The two releases of a report already read from {@code uri}. */
    static LoadedReleases of(JsonNode report, String from, URI uri, ReleaseRef baseline, ReleaseRef candidate, boolean semantic) {
        JsonNode groups = report.get("groups");
        if (groups == null || !groups.isArray()) {
            throw new UserError("--from " + from + ": " + uri + " is not a Canopy report (no groups array): give the monitor's base URL, e.g. http://127.0.0.1:9400");
        }
        JsonNode b = group(groups, baseline, "--baseline", from);
        JsonNode c = group(groups, candidate, "--candidate", from);
        String source = "monitor report " + uri;
        if (!semantic) {
            return new LoadedReleases(ReleaseData.of(baseline, b), ReleaseData.of(candidate, c), source);
        }
        return new LoadedReleases(ReleaseData.of(baseline, b), ReleaseData.of(candidate, c), source,
                semantic(groups, b, baseline, "--baseline", from), semantic(groups, c, candidate, "--candidate", from));
    }

    private static SemanticRelease semantic(JsonNode groups, JsonNode group, ReleaseRef ref, String flag, String from) {
        JsonNode block = group.get("semantic");
        if (block != null && block.isObject()) {
            return SemanticRelease.of(ref, block);
        }
        boolean measuring = false;
        for (JsonNode g : groups) {
            measuring |= g.path("semantic").isObject();
        }
        if (measuring) {
            throw new UserError("--semantic: the monitor at " + from + " measures semantic diversity but has none for " + ref + " (" + flag
                    + ") yet: its rollouts carried no text (the events' \"text\" field, docs/EVENTS.md)");
        }
        throw new UserError("--semantic: the monitor at " + from + " does not measure semantic diversity (its report has no semantic block):"
                + " switch it on with canopy.semantic.enabled=true (flag --semantic on canopy run), or leave out --semantic");
    }

    /** The report URL for a {@code --from} value: the monitor's base URL, or the report URL itself. */
    static URI reportUri(String from) {
        String base = from.strip();
        if (!base.startsWith("http://") && !base.startsWith("https://")) {
            throw new UserError("--from must be the monitor's base URL, e.g. http://127.0.0.1:9400, got '" + from + "'");
        }
        while (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        try {
            return URI.create(base.endsWith(REPORT_PATH) ? base : base + REPORT_PATH);
        } catch (IllegalArgumentException e) {
            throw new UserError("--from is not a valid URL: " + e.getMessage());
        }
    }

    private static JsonNode fetch(String from, URI uri) {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60)).GET().build();
        HttpResponse<byte[]> response;
        try {
            response = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            throw new UserError("--from " + from + ": cannot read " + uri + " (" + why + "): is `canopy run` or `canopy demo` serving there?");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UserError("--from " + from + ": interrupted");
        }
        ObjectMapper mapper = new ObjectMapper();
        if (response.statusCode() != 200) {
            String message = new String(response.body(), java.nio.charset.StandardCharsets.UTF_8);
            try {
                JsonNode error = mapper.readTree(response.body());
                if (error != null && error.hasNonNull("error")) {
                    message = error.get("error").asText();
                }
            } catch (IOException ignored) {
                // not JSON: keep the body as it is
            }
            String hint = response.statusCode() == 503 ? ": the monitor is starting, retry in a few seconds" : "";
            throw new UserError("--from " + from + ": GET " + uri + " answered HTTP " + response.statusCode() + " (" + message.strip() + ")" + hint);
        }
        try {
            return mapper.readTree(response.body());
        } catch (IOException e) {
            throw new UserError("--from " + from + ": " + uri + " did not answer JSON (" + e.getMessage().lines().findFirst().orElse("") + "): give the monitor's base URL");
        }
    }

    private static JsonNode group(JsonNode groups, ReleaseRef ref, String flag, String from) {
        List<String> found = new ArrayList<>();
        for (JsonNode g : groups) {
            String model = g.path("model").asText();
            String release = g.path("release").asText();
            if (ref.matches(model, release)) {
                if (g.path("rollouts").asLong() == 0) {
                    throw new UserError(flag + " " + ref + ": the monitor at " + from + " has no completed rollout of it yet");
                }
                return g;
            }
            found.add(model + "@" + release);
        }
        throw new UserError(flag + " " + ref + ": the monitor at " + from + " reports no such model@release; found: "
                + (found.isEmpty() ? "none yet" : String.join(", ", found)));
    }
}
