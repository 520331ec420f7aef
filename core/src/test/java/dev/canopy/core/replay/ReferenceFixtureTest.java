package dev.canopy.core.replay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.canopy.core.events.EventParser;
import dev.canopy.core.events.ParseResult;
import dev.canopy.core.report.ReportJson;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The replay report of a committed fixture against the report that an independent Python
 * implementation (numpy + scipy, core/src/test/python/reference_metrics.py) computed from the same
 * events: every number to 1e-9 relative, every null.
 */
class ReferenceFixtureTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path DIR = Path.of("src/test/resources/reference");

    static String replay(Path events) throws IOException {
        ReplayEngine engine = new ReplayEngine(ReplayEngine.Options.defaults());
        try (InputStream in = JsonLines.open(events)) {
            JsonLines.forEach(in, engine::accept);
        }
        return ReportJson.toJson(engine.finish());
    }

    @Test
    void shouldMatchTheIndependentPythonReferenceToOneInABillion() throws IOException {
        JsonNode actual = JSON.readTree(replay(DIR.resolve("events.jsonl")));
        JsonNode expected = JSON.readTree(DIR.resolve("expected-report.json").toFile());
        List<String> differences = new ArrayList<>();
        compare("", expected, actual, differences);
        assertTrue(differences.isEmpty(), () -> differences.size() + " differences:\n" + String.join("\n", differences));
        assertTrue(expected.get("groups").size() >= 4, "the fixture covers several groups");
    }

    @Test
    void shouldRejectEachBadLineOfTheFixtureWithItsExpectedReason() throws IOException {
        List<String> lines = Files.readAllLines(DIR.resolve("events.jsonl"), StandardCharsets.UTF_8);
        EventParser parser = new EventParser();
        int rejected = 0;
        for (JsonNode e : JSON.readTree(DIR.resolve("expected-rejections.json").toFile())) {
            ParseResult r = parser.parse(lines.get(e.get("line").asInt() - 1).getBytes(StandardCharsets.UTF_8));
            assertEquals(e.get("reason").asText(), r.isAccepted() ? "accepted" : r.reason().code(), e.get("violation").asText());
            rejected++;
        }
        assertTrue(rejected >= 10);
    }

    @Test
    void committedExpectedReportIsWhatTheReferenceScriptComputes() throws Exception {
        String python = pythonWithScipy();
        if (python == null && System.getenv("CI") != null) {
            fail("CI must run the cross-check: no python3 with numpy and scipy found (.ci/run installs python3-numpy and python3-scipy)");
        }
        assumeTrue(python != null, "python3 with numpy and scipy is not installed (apt-get install python3-numpy python3-scipy)");
        Process p = new ProcessBuilder(python, "src/test/python/reference_metrics.py", DIR.resolve("events.jsonl").toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue());
        JsonNode committed = JSON.readTree(DIR.resolve("expected-report.json").toFile());
        List<String> differences = sameAtTolerance(committed, JSON.readTree(out));
        assertTrue(differences.isEmpty(), () -> "the committed expected report is not what the reference script computes here ("
                + differences.size() + " differences; regenerate it with make_reference_fixture.py):\n" + String.join("\n", differences));
    }

    /**
     * Differences between two reports held to the documented tolerance (numbers to 1e-9 relative), in
     * both directions so that a key present on one side only counts too. numpy and scipy versions differ
     * in the last bits of a correlation, so exact text equality would fail on most machines.
     */
    static List<String> sameAtTolerance(JsonNode a, JsonNode b) {
        List<String> differences = new ArrayList<>();
        compare("", a, b, differences);
        List<String> reverse = new ArrayList<>();
        compare("", b, a, reverse);
        for (String d : reverse) {
            if (d.endsWith(": missing")) {
                differences.add(d.replace(": missing", ": unexpected"));
            }
        }
        return differences;
    }

    @Test
    void toleranceComparisonAcceptsLastBitNoiseButNotARealDifferenceOrAMissingKey() throws IOException {
        JsonNode base = JSON.readTree("{\"a\":-0.258024212583297,\"b\":[1.0,null],\"c\":\"x\"}");
        assertTrue(sameAtTolerance(base, JSON.readTree("{\"a\":-0.2580242125832971,\"b\":[1.0,null],\"c\":\"x\"}")).isEmpty());
        assertEquals(1, sameAtTolerance(base, JSON.readTree("{\"a\":-0.2580243,\"b\":[1.0,null],\"c\":\"x\"}")).size());
        assertEquals(1, sameAtTolerance(base, JSON.readTree("{\"a\":-0.258024212583297,\"b\":[1.0,0.0],\"c\":\"x\"}")).size());
        assertEquals(1, sameAtTolerance(base, JSON.readTree("{\"a\":-0.258024212583297,\"b\":[1.0,null],\"c\":\"x\",\"d\":1}")).size());
        assertEquals(1, sameAtTolerance(base, JSON.readTree("{\"a\":-0.258024212583297,\"b\":[1.0,null]}")).size());
    }

    /**
     * The first interpreter that imports numpy and scipy: the one on the PATH (a virtualenv or pyenv), else
     * the system's (Debian's python3-numpy and python3-scipy install there); null when neither does.
     */
    private static String pythonWithScipy() {
        for (String candidate : List.of("python3", "/usr/bin/python3")) {
            try {
                Process p = new ProcessBuilder(candidate, "-c", "import numpy, scipy").redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                if (p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    return candidate;
                }
            } catch (IOException e) {
                // not installed: try the next one
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
        return null;
    }

    /** Recursive comparison; keys only the Java report has (extra fields) are allowed. */
    static void compare(String path, JsonNode expected, JsonNode actual, List<String> out) {
        if (actual == null || actual.isMissingNode()) {
            out.add(path + ": missing");
            return;
        }
        if (expected.isNull() || actual.isNull()) {
            if (expected.isNull() != actual.isNull()) {
                out.add(path + ": expected " + expected + ", got " + actual);
            }
            return;
        }
        if (expected.isNumber()) {
            double e = expected.asDouble();
            double a = actual.asDouble();
            if (!actual.isNumber() || Math.abs(e - a) > Math.max(1e-9 * Math.abs(e), 1e-12)) {
                out.add(path + ": expected " + e + ", got " + actual);
            }
            return;
        }
        if (expected.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = expected.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                compare(path + "." + f.getKey(), f.getValue(), actual.get(f.getKey()), out);
            }
            return;
        }
        if (expected.isArray()) {
            if (expected.size() != actual.size()) {
                out.add(path + ": expected " + expected.size() + " entries, got " + actual.size());
                return;
            }
            for (int i = 0; i < expected.size(); i++) {
                compare(path + "[" + i + "]", expected.get(i), actual.get(i), out);
            }
            return;
        }
        if (!expected.equals(actual)) {
            out.add(path + ": expected " + expected + ", got " + actual);
        }
    }
}
