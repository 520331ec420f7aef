package dev.canopy.tests.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.canopy.app.demo.FleetDriver;
import dev.canopy.monitor.MonitorApp;
import dev.canopy.broker.EmbeddedKafkaBroker;
import dev.canopy.tests.support.Closeables;
import dev.canopy.tests.support.Http;
import dev.canopy.tests.support.Monitors;
import dev.canopy.tests.support.Poll;
import dev.canopy.tests.support.Reports;
import dev.canopy.tests.support.TestTopics;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The live page in a real browser. Two monitor instances on one application id read the demo's fleet:
 * two models, each switching from its base release to a fine-tuned one whose rho(N, r) has the other
 * sign. Once both models have a rho shift verdict the fleet stops, and headless Chromium opens the page
 * on the second instance for each model. From the rendered DOM (the data-* attributes the page writes
 * beside its charts) the test checks that both models are listed, both releases of each are drawn with
 * the last window values the first instance's API reports, each release has its marker, the rho shift is
 * drawn and listed with its direction and size, and the A/B view shows the comparison the API computes.
 * A screenshot per model lands in target/web-page/ for a person to look at.
 *
 * <p>Skips, saying why, where no Chromium is installed ({@code apt-get install chromium}; .ci/run does).
 */
class WebPageIT {

    private static final TestTopics TOPICS = TestTopics.prefixed("web");
    private static final List<String> MODELS = FleetDriver.MODELS.subList(0, 2);
    private static final String BASE = FleetDriver.BASE_RELEASE;
    private static final String TUNED = FleetDriver.TUNED_RELEASE;
    private static final String RHO = "length_entropy_rate.pearson";
    /** A cold start of two instances, the switch and enough rollouts for a verdict on a loaded 2-core machine. */
    private static final Duration SCENARIO_TIMEOUT = Duration.ofMinutes(4);
    private static final Pattern TAG = Pattern.compile("<(li|tr|tbody)\\s([^>]*)>");
    private static final Pattern ATTRIBUTE = Pattern.compile("([a-zA-Z-]+)=\"([^\"]*)\"");

    @TempDir
    static Path tmp;
    private static String chromium;
    private static EmbeddedKafkaBroker broker;
    private static MonitorApp first;
    private static MonitorApp second;
    private static FleetDriver fleet;

    @BeforeAll
    static void start() throws Exception {
        chromium = findChromium();
        assumeTrue(chromium != null, "skipped: no Chromium on this machine (looked for chromium, chromium-browser on PATH and"
                + " $CANOPY_CHROMIUM); install the Debian package chromium to run the browser test");
        broker = EmbeddedKafkaBroker.builder().start();
        first = startMonitor("first");
        second = startMonitor("second");
        fleet = new FleetDriver(new FleetDriver.Settings(broker.bootstrapServers(), TOPICS.tokens(), MODELS.size(), 1500.0,
                Duration.ofSeconds(20), 42, 0.002, true), new Properties()).start();
        Poll.until("both models to have a rho shift verdict for " + TUNED + " against " + BASE, SCENARIO_TIMEOUT,
                () -> Http.getOk(second.httpPort(), "/api/v1/shifts"), body -> shifted(body).size() == MODELS.size(),
                body -> "shifted: " + shifted(body) + ", fleet sent " + fleet.sent());
        fleet.close();
        fleet = null;
        // the last records in flight reach the stores; then the numbers stand still for the browser
        Poll.until("the releases to stop changing", Duration.ofMinutes(1), () -> {
            String before = Http.getOk(first.httpPort(), "/api/v1/releases");
            Thread.sleep(3000);
            return before.equals(Http.getOk(first.httpPort(), "/api/v1/releases"));
        });
    }

    private static MonitorApp startMonitor(String name) {
        Map<String, String> canopy = new LinkedHashMap<>();
        canopy.put("canopy.topic.partitions", "4");
        canopy.put("canopy.window.size", "2m");
        canopy.put("canopy.window.advance", "10s");
        canopy.put("canopy.window.grace", "5s");
        canopy.put("canopy.idle.timeout", "20s");
        canopy.put("canopy.shift.min.rollouts", "30");
        canopy.put("canopy.semantic.enabled", "true");
        return Monitors.startReady(Monitors.settings(broker.bootstrapServers(), "web-page", tmp.resolve(name), TOPICS, canopy,
                Map.of("session.timeout.ms", "6000", "heartbeat.interval.ms", "1500")));
    }

    @AfterAll
    static void stop() {
        Closeables.closeAll(fleet, second, first, broker);
    }

    /** The models with a rho shift of the tuned release against the base one. */
    private static List<String> shifted(String shiftsJson) {
        List<String> out = new ArrayList<>();
        for (JsonNode v : Reports.parse(shiftsJson).get("shifts")) {
            if (v.get("metric").asText().equals(RHO) && v.get("status").asText().equals("shift")
                    && v.get("candidate").asText().equals(TUNED) && v.get("baseline").asText().equals(BASE)) {
                out.add(v.get("model").asText());
            }
        }
        return out;
    }

    @Test
    void shouldDrawBothModelsReleasesMarkersShiftAndComparisonAsTheApiReportsThem() throws Exception {
        Path shots = Path.of("target", "web-page");
        Files.createDirectories(shots);
        for (String model : MODELS) {
            String url = "http://127.0.0.1:" + second.httpPort() + "/#model=" + URLEncoder.encode(model, StandardCharsets.UTF_8);
            String dom = chromium(tmp.resolve("profile-" + model), url, "--dump-dom");
            List<Map<String, String>> tags = tags(dom);
            String where = "the page for " + model + " (DOM in " + save(shots.resolve(model + ".html"), dom) + ")";

            for (String m : MODELS) {
                assertEquals(1, find(tags, "data-model", m, "data-releases", "2").size(), where + ": " + m + " listed with 2 releases");
            }
            JsonNode series = Reports.parse(Http.getOk(first.httpPort(), "/api/v1/series?model=" + model));
            Map<String, JsonNode> releases = new HashMap<>();
            series.get("releases").forEach(r -> releases.put(r.get("release").asText(), r));
            assertEquals(List.of(BASE, TUNED), series.get("releases").findValuesAsText("release"), where);
            for (String release : List.of(BASE, TUNED)) {
                JsonNode windows = releases.get(release).get("windows");
                JsonNode last = windows.get(windows.size() - 1);
                for (String field : List.of("ce_star", "pearson")) {
                    Map<String, String> line = one(tags, where + ": the " + field + " line of " + release, "data-series", field, "data-release", release);
                    assertEquals(Integer.toString(windows.size()), line.get("data-points"), where + ": " + field + " windows of " + release);
                    assertEquals(last.get(field).asDouble(), Double.parseDouble(line.get("data-last")), 1e-12, where + ": last " + field + " of " + release);
                    assertEquals(last.get("end").asText(), line.get("data-last-end"), where);
                }
                String deployed = releases.get(release).get("deployed_at").asText();
                assertEquals(2, find(tags, "data-marker", "release", "data-release", release, "data-at", deployed).size(),
                        where + ": the marker of " + release + " at " + deployed + " on both charts");
            }
            assertTrue(Double.parseDouble(one(tags, where, "data-series", "pearson", "data-release", BASE).get("data-last")) < 0
                    && Double.parseDouble(one(tags, where, "data-series", "pearson", "data-release", TUNED).get("data-last")) > 0,
                    where + ": rho flips sign with the fine-tuned release");

            JsonNode verdict = null;
            for (JsonNode v : Reports.parse(Http.getOk(first.httpPort(), "/api/v1/shifts")).get("shifts")) {
                if (v.get("model").asText().equals(model) && v.get("metric").asText().equals(RHO)) {
                    verdict = v;
                }
            }
            assertTrue(verdict != null && verdict.get("status").asText().equals("shift"), "the API's verdict: " + verdict);
            Map<String, String> row = one(tags, where + ": the rho verdict row", "data-verdict", "shift", "data-metric", RHO, "data-candidate", TUNED);
            assertEquals(verdict.get("direction").asText(), row.get("data-direction"));
            assertEquals("up", row.get("data-direction"), "rho rises with the fine-tuned release");
            assertEquals(verdict.get("effect").asDouble(), Double.parseDouble(row.get("data-effect")), 1e-12);
            assertEquals(verdict.get("ci_low").asDouble(), Double.parseDouble(row.get("data-low")), 1e-12);
            Map<String, String> mark = one(tags, where + ": the rho shift drawn on the chart", "data-marker", "shift", "data-metric", RHO);
            assertEquals(TUNED, mark.get("data-release"));
            assertEquals(verdict.get("effect").asDouble(), Double.parseDouble(mark.get("data-effect")), 1e-12);

            JsonNode compare = Reports.parse(Http.getOk(first.httpPort(), "/api/v1/compare?model=" + model));
            one(tags, where + ": the A/B table", "data-baseline", model + "@" + BASE, "data-candidate", model + "@" + TUNED);
            for (String metric : List.of("ce_star", RHO)) {
                JsonNode expected = compare.get("metrics").get(metric);
                Map<String, String> ab = one(tags, where + ": the A/B row of " + metric, "data-compare-metric", metric);
                for (String f : List.of("baseline", "candidate", "delta", "ci_low", "ci_high")) {
                    assertEquals(expected.get(f).asDouble(), Double.parseDouble(ab.get("data-" + f.replace('_', '-'))), 1e-12,
                            where + ": A/B " + metric + " " + f);
                }
            }

            Path shot = shots.resolve(model + ".png").toAbsolutePath();
            chromium(tmp.resolve("profile-shot-" + model), url, "--screenshot=" + shot, "--window-size=1400,1250", "--hide-scrollbars");
            assertTrue(Files.size(shot) > 10_000, "screenshot " + shot);
            System.out.println("WebPageIT: screenshot of the page for " + model + " in " + shot);
        }
    }

    private static Path save(Path file, String text) throws IOException {
        Files.writeString(file, text);
        return file.toAbsolutePath();
    }

    /** Elements (li, tr, tbody) with their attributes, in document order. */
    private static List<Map<String, String>> tags(String dom) {
        List<Map<String, String>> out = new ArrayList<>();
        Matcher t = TAG.matcher(dom);
        while (t.find()) {
            Map<String, String> attributes = new HashMap<>();
            Matcher a = ATTRIBUTE.matcher(t.group(2));
            while (a.find()) {
                attributes.put(a.group(1), a.group(2).replace("&quot;", "\"").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"));
            }
            out.add(attributes);
        }
        return out;
    }

    private static List<Map<String, String>> find(List<Map<String, String>> tags, String... keyValues) {
        List<Map<String, String>> out = new ArrayList<>();
        for (Map<String, String> t : tags) {
            boolean all = true;
            for (int i = 0; i < keyValues.length; i += 2) {
                all &= keyValues[i + 1].equals(t.get(keyValues[i]));
            }
            if (all) {
                out.add(t);
            }
        }
        return out;
    }

    private static Map<String, String> one(List<Map<String, String>> tags, String what, String... keyValues) {
        List<Map<String, String>> found = find(tags, keyValues);
        if (found.size() != 1) {
            fail(what + ": expected one element with " + String.join(" ", keyValues) + ", found " + found.size());
        }
        return found.get(0);
    }

    /**
     * Runs headless Chromium on url; returns its standard output. The virtual time budget lets the page
     * run its first polls (fetches pause virtual time, so a slow answer is waited for, not cut off).
     */
    private static String chromium(Path profile, String url, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--user-data-dir=" + profile, "--virtual-time-budget=15000"));
        command.addAll(List.of(args));
        command.add(url);
        Path out = Files.createTempFile(tmp, "chromium", ".out");
        Path err = Files.createTempFile(tmp, "chromium", ".err");
        Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(3, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            fail("Chromium did not finish in 3 minutes: " + command + "\n" + Files.readString(err));
        }
        if (p.exitValue() != 0) {
            fail("Chromium exited with " + p.exitValue() + ": " + command + "\n" + Files.readString(err));
        }
        return Files.readString(out);
    }

    private static String findChromium() {
        String configured = System.getenv("CANOPY_CHROMIUM");
        if (configured != null && !configured.isBlank()) {
            return Files.isExecutable(Path.of(configured)) ? configured : null;
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            for (String name : List.of("chromium", "chromium-browser")) {
                if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) {
                    return Path.of(dir, name).toString();
                }
            }
        }
        return null;
    }
}
