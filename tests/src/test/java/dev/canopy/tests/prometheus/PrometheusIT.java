package dev.canopy.tests.prometheus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.canopy.app.demo.FleetDriver;
import dev.canopy.monitor.MonitorApp;
import dev.canopy.monitor.MonitorSettings;
import dev.canopy.broker.EmbeddedKafkaBroker;
import dev.canopy.core.shift.ShiftDetector;
import dev.canopy.tests.assets.PromQlExpressions;
import dev.canopy.tests.assets.PromQlExpressions.Expression;
import dev.canopy.tests.assets.PromQlExpressions.Kind;
import dev.canopy.tests.assets.RepoRoot;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every PromQL expression of the shipped Grafana dashboards and Prometheus alert rules, run against a
 * real Prometheus server that scrapes a real monitor.
 *
 * <p>Scenario: an embedded Kafka broker, an in-process monitor (2-minute rolling windows advancing every
 * 10 s, shift verdicts from 30 rollouts) and the demo's simulated fleet of two models, each switching from
 * its base release to its fine-tuned one (after 20 s and 30 s). Debian's {@code /usr/bin/prometheus}
 * scrapes the monitor every second with {@code compose/alerts.yml} loaded. Once both models have shift
 * verdicts with intervals for every metric and their fine-tuned releases have rolling windows, every
 * expression is sent to {@code /api/v1/query} with the Grafana variables set to that scenario (and each
 * dashboard's {@code window} variable to both of its values): each must parse, and each panel, annotation
 * and templating expression must return data. Alert expressions only need to parse (they return data only
 * while their condition holds); the output lists those that did.
 *
 * <p>Also checked there: Prometheus loads every rule of {@code compose/alerts.yml} and evaluates each without
 * error; the shift series hold one status per metric and an effect inside its interval; and the page for a
 * fall of rho stays silent while the fine-tuned releases raise rho.
 *
 * <p>Needs {@code /usr/bin/prometheus} (Debian: {@code apt-get install prometheus}); fails without it. Takes
 * about a minute on two cores, most of it waiting for the fine-tuned releases' verdicts; the timings and the
 * alert expressions that returned data are printed (failsafe keeps them in
 * {@code target/failsafe-reports/dev.canopy.tests.prometheus.PrometheusIT-output.txt}).
 */
class PrometheusIT {

    private static final Path ROOT = RepoRoot.find();
    private static final String TOPIC = "canopy.tokens";
    private static final List<String> MODELS = FleetDriver.MODELS.subList(0, 2);
    private static final String BASE = FleetDriver.BASE_RELEASE;
    private static final String TUNED = FleetDriver.TUNED_RELEASE;
    private static final Duration SCRAPE_INTERVAL = Duration.ofSeconds(1);
    /** Long enough for a cold start and both switches on a loaded 2-core machine; never waited out on success. */
    private static final Duration SCENARIO_TIMEOUT = Duration.ofMinutes(3);

    /** The Grafana variables a user of this fleet would pick, per the dashboards' variable names. */
    private static final Map<String, String> VARIABLES = Map.of(
            "model", MODELS.get(0), "release", TUNED, "release_a", BASE, "release_b", TUNED,
            "__rate_interval", "1m", "__interval", "15s", "__range", "5m");

    /**
     * Dashboard expressions that may legitimately return nothing in this scenario, with the reason. Keep
     * it tiny: every entry is a panel the scenario cannot exercise.
     */
    private static final Map<String, String> MAY_BE_EMPTY = Map.of();

    @TempDir
    static Path tmp;
    private static EmbeddedKafkaBroker broker;
    private static MonitorApp monitor;
    private static FleetDriver fleet;
    private static PrometheusServer prometheus;
    private static long startNanos;

    @BeforeAll
    static void startFleetMonitorAndPrometheus() throws Exception {
        startNanos = System.nanoTime();
        PrometheusServer.executable(); // fails at once, naming the package to install, when there is no Prometheus
        broker = EmbeddedKafkaBroker.builder().start();
        Map<String, String> flags = new LinkedHashMap<>();
        flags.put("canopy.bootstrap.servers", broker.bootstrapServers());
        flags.put("canopy.http.host", "127.0.0.1");
        flags.put("canopy.http.port", "0");
        flags.put("canopy.state.dir", tmp.resolve("streams").toString());
        flags.put("canopy.application.id", "prometheus-it-" + Long.toString(System.currentTimeMillis(), 36));
        flags.put("canopy.topic.partitions", "3");
        flags.put("canopy.window.size", "2m");
        flags.put("canopy.window.advance", "10s");
        flags.put("canopy.window.grace", "5s");
        flags.put("canopy.idle.timeout", "20s");
        flags.put("canopy.shift.min.rollouts", "30");
        flags.put("canopy.semantic.enabled", "true");
        monitor = MonitorApp.start(MonitorSettings.resolve(flags, Map.of(), null), new PrometheusRegistry());
        fleet = new FleetDriver(new FleetDriver.Settings(broker.bootstrapServers(), TOPIC, MODELS.size(), 1500.0,
                Duration.ofSeconds(20), 42, 0.002, true), new Properties()).start();
        prometheus = PrometheusServer.start(tmp.resolve("prometheus"), "127.0.0.1:" + monitor.httpPort(), SCRAPE_INTERVAL,
                List.of(ROOT.resolve("compose/alerts.yml")));
        log("broker, monitor (port %d), fleet and Prometheus (port %d) started in %.1f s",
                monitor.httpPort(), prometheus.port(), seconds(startNanos));
        awaitScenario();
        log("scenario ready after %.1f s: both models have verdicts with intervals for %s and %s has rolling windows",
                seconds(startNanos), ShiftDetector.Metric.values().length + " metrics", TUNED);
    }

    @AfterAll
    static void stopEverything() {
        long t0 = System.nanoTime();
        List<Throwable> errors = new ArrayList<>();
        close(prometheus, errors);
        close(fleet, errors);
        close(monitor, errors);
        close(broker, errors);
        log("stopped everything in %.1f s; PrometheusIT took %.1f s in all", seconds(t0), seconds(startNanos));
        if (!errors.isEmpty()) {
            AssertionError e = new AssertionError("could not stop everything cleanly");
            errors.forEach(e::addSuppressed);
            throw e;
        }
    }

    @Test
    void everyDashboardAndAlertExpressionShouldParseAndEveryDashboardExpressionReturnData() throws Exception {
        long t0 = System.nanoTime();
        List<Expression> rolling = PromQlExpressions.expressions(ROOT, with(VARIABLES, "window", "rolling")).stream()
                .map(e -> new Expression(e.kind(), e.origin() + " [window=rolling]", e.expr())).toList();
        List<Expression> expressions = distinct(PromQlExpressions.expressions(ROOT, VARIABLES), rolling);
        List<String> failures = new ArrayList<>();
        List<String> alertsWithData = new ArrayList<>();
        List<String> alertsWithoutData = new ArrayList<>();
        for (Expression e : expressions) {
            PrometheusServer.QueryResult result = prometheus.query(e.expr());
            if (!result.ok()) {
                failures.add(e.origin() + ": " + result.error() + "\n      " + e.expr().replace("\n", "\n      "));
            } else if (e.kind() == Kind.ALERT) {
                (result.hasData() ? alertsWithData : alertsWithoutData).add(e.origin());
            } else if (!result.hasData() && !MAY_BE_EMPTY.containsKey(e.origin())) {
                failures.add(e.origin() + ": no data\n      " + e.expr().replace("\n", "\n      "));
            }
        }
        log("evaluated %d distinct expressions in %.1f s; alert expressions with data now: %s; without: %s",
                expressions.size(), seconds(t0), alertsWithData, alertsWithoutData);
        if (!failures.isEmpty()) {
            String report = failures.size() + " of " + expressions.size() + " expressions failed against Prometheus:\n  "
                    + String.join("\n  ", failures);
            System.out.println(report);
            fail(report);
        }
        assertTrue(expressions.stream().filter(e -> e.kind() == Kind.ALERT).count() >= 7, "alert rule expressions evaluated");
    }

    @Test
    void everyLabelValuesTemplatingQueryShouldReturnValues() throws Exception {
        Pattern labelValues = Pattern.compile("(?s)^\\s*label_values\\(\\s*(?:(.*),\\s*)?([A-Za-z_]\\w*)\\s*\\)\\s*$");
        List<String> queries = new ArrayList<>(new LinkedHashSet<>(PromQlExpressions.templatingQueries(ROOT, VARIABLES)));
        List<String> failures = new ArrayList<>();
        for (String query : queries) {
            Matcher m = labelValues.matcher(query);
            if (!m.matches()) {
                failures.add(query + ": not label_values(metric, label) nor label_values(label)");
                continue;
            }
            List<String> values = prometheus.labelValues(m.group(2), m.group(1));
            if (values.isEmpty()) {
                failures.add(query + ": no values");
            }
        }
        assertEquals(List.of(), failures);
        assertTrue(queries.contains("label_values(canopy_release_info, model)"), queries.toString());
        assertEquals(new TreeSet<>(MODELS), new TreeSet<>(prometheus.labelValues("model", "canopy_release_info")));
        assertEquals(new TreeSet<>(List.of(BASE, TUNED)),
                new TreeSet<>(prometheus.labelValues("release", "canopy_release_info{model=\"" + MODELS.get(0) + "\"}")));
    }

    @Test
    void everyAlertRuleShouldBeLoadedAndEvaluateWithoutError() throws Exception {
        Set<String> expected = new TreeSet<>();
        for (Expression e : PromQlExpressions.fromAlertRules(ROOT, ROOT.resolve("compose/alerts.yml"))) {
            expected.add(e.origin().substring(e.origin().lastIndexOf(' ') + 1));
        }
        Map<String, String> health = new HashMap<>();
        for (JsonNode group : prometheus.get("/api/v1/rules").path("data").path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                String error = rule.path("lastError").asText("");
                health.put(rule.path("name").asText(), rule.path("health").asText() + (error.isEmpty() ? "" : " (" + error + ")"));
            }
        }
        assertEquals(expected, new TreeSet<>(health.keySet()), "rules loaded by Prometheus from compose/alerts.yml");
        Map<String, String> unhealthy = new HashMap<>(health);
        unhealthy.values().removeIf("ok"::equals);
        assertEquals(Map.of(), unhealthy, "rules evaluated by Prometheus with an error (or not yet evaluated)");
    }

    @Test
    void shiftVerdictsShouldReachPrometheusOneStatusPerMetricWithTheEffectInsideItsInterval() throws Exception {
        for (String model : MODELS) {
            for (ShiftDetector.Metric metric : ShiftDetector.Metric.values()) {
                String labels = "model=\"" + model + "\", baseline=\"" + BASE + "\", candidate=\"" + TUNED + "\", metric=\"" + metric.code() + "\"";
                String what = model + " " + metric.code();
                assertEquals(List.of(1.0), prometheus.query("sum(canopy_shift_status{" + labels + "})").values(), what + ": one status");
                double effect = single("canopy_shift_effect{" + labels + "}", what);
                double lower = single("canopy_shift_effect_lower{" + labels + "}", what);
                double upper = single("canopy_shift_effect_upper{" + labels + "}", what);
                assertTrue(lower <= effect && effect <= upper, what + ": effect " + effect + " outside [" + lower + ", " + upper + "]");
            }
        }
    }

    @Test
    void rhoDropAlertShouldStaySilentWhileTheFineTunedReleasesRaiseRho() throws Exception {
        // The simulated fine-tunes raise rho(N, r) (about -0.4 to +0.4): once the detector calls that a shift,
        // it is a shift up, and the page for a fall must not fire.
        String pearsonUp = "max by (model) (canopy_shift_status{metric=\"length_entropy_rate.pearson\", status=\"shift\", candidate=\"" + TUNED
                + "\"} == 1) and on (model) max by (model) (canopy_shift_effect_lower{metric=\"length_entropy_rate.pearson\", candidate=\"" + TUNED + "\"}) > 0";
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        PrometheusServer.QueryResult up = prometheus.query(pearsonUp);
        while (up.result().size() < MODELS.size() && System.nanoTime() < deadline) {
            Thread.sleep(1000);
            up = prometheus.query(pearsonUp);
        }
        assertEquals(MODELS.size(), up.result().size(), "both models' rho verdicts are a shift up: " + prometheus.query("canopy_shift_status{metric=\"length_entropy_rate.pearson\"} == 1").result());
        Expression rhoDrop = PromQlExpressions.fromAlertRules(ROOT, ROOT.resolve("compose/alerts.yml")).stream()
                .filter(e -> e.origin().endsWith(" alert CanopyReleaseShiftRhoDrop")).findFirst().orElseThrow();
        PrometheusServer.QueryResult fired = prometheus.query(rhoDrop.expr());
        assertTrue(fired.ok() && !fired.hasData(), "CanopyReleaseShiftRhoDrop's expression on a rise of rho: " + fired.result());
        List<String> active = new ArrayList<>();
        prometheus.get("/api/v1/alerts").path("data").path("alerts").forEach(a -> active.add(a.path("labels").path("alertname").asText()));
        assertFalse(active.contains("CanopyReleaseShiftRhoDrop"), "alerts pending or firing: " + active);
    }

    // ------------------------------------------------------------------ scenario

    /** Polls Prometheus until every model's fine-tuned release has full verdicts and rolling windows. */
    private static void awaitScenario() throws Exception {
        int metrics = ShiftDetector.Metric.values().length;
        String ready = "count by (model) (canopy_shift_effect_lower{candidate=\"" + TUNED + "\", baseline=\"" + BASE + "\"}) == " + metrics
                + " and on (model) count by (model) (canopy_ce_star_nats{release=\"" + TUNED + "\", window=\"rolling\"})"
                + " and on (model) count by (model) (count_over_time(canopy_rollouts_total{release=\"" + TUNED + "\"}[1m]) >= 10)";
        long deadline = System.nanoTime() + SCENARIO_TIMEOUT.toNanos();
        PrometheusServer.QueryResult last = null;
        while (System.nanoTime() < deadline) {
            last = prometheus.query(ready);
            if (last.ok() && last.result().size() == MODELS.size()) {
                return;
            }
            Thread.sleep(1000);
        }
        fail("after " + SCENARIO_TIMEOUT.toSeconds() + " s Prometheus still lacks the scenario (fleet sent " + fleet.sent()
                + " events): " + ready + " answered " + (last == null ? "nothing" : last.result() + " " + last.error())
                + "\nverdicts: " + prometheus.query("canopy_shift_status == 1").result()
                + "\nPrometheus log:\n" + prometheus.logTail());
    }

    private static double single(String expr, String what) throws Exception {
        List<Double> values = prometheus.query(expr).values();
        assertEquals(1, values.size(), what + ": one series for " + expr + ", got " + values);
        assertFalse(values.get(0).isNaN(), what + ": NaN for " + expr);
        return values.get(0);
    }

    /** The expressions of every list, each distinct text once (the first origin kept). */
    @SafeVarargs
    private static List<Expression> distinct(List<Expression>... lists) {
        Map<String, Expression> byText = new LinkedHashMap<>();
        Arrays.stream(lists).flatMap(List::stream).forEach(e -> byText.putIfAbsent(e.kind() + "\n" + e.expr(), e));
        return new ArrayList<>(byText.values());
    }

    private static Map<String, String> with(Map<String, String> variables, String name, String value) {
        Map<String, String> out = new HashMap<>(variables);
        out.put(name, value);
        return out;
    }

    private static void close(AutoCloseable resource, List<Throwable> errors) {
        if (resource == null) {
            return;
        }
        try {
            resource.close();
        } catch (Exception | Error e) {
            errors.add(e);
        }
    }

    private static double seconds(long sinceNanos) {
        return (System.nanoTime() - sinceNanos) / 1e9;
    }

    private static void log(String format, Object... args) {
        System.out.printf("PrometheusIT: " + format + "%n", args);
    }
}
