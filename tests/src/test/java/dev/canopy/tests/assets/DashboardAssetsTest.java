package dev.canopy.tests.assets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.canopy.monitor.metrics.MetricCatalogue;
import dev.canopy.core.shift.ShiftDetector;
import dev.canopy.tests.assets.PromQlExpressions.Expression;
import dev.canopy.tests.assets.PromQlExpressions.Kind;
import dev.canopy.tests.assets.PromQlSelectors.LabelMatcher;
import dev.canopy.tests.assets.PromQlSelectors.Selector;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Checks the operator-facing assets against the metric catalogue and against Prometheus's own tools:
 * the Grafana dashboards (grafana/), the Prometheus configuration and alert rules (compose/), the compose
 * stack and the Dockerfile. Needs {@code promtool} (Debian: {@code apt-get install prometheus}); without it
 * the promtool tests fail rather than skip.
 */
class DashboardAssetsTest {

    private static final Path ROOT = RepoRoot.find();

    /** Values for the Grafana variables when an expression is checked; a demo stack has these releases. */
    private static final Map<String, String> VARIABLES = Map.of(
            "model", "chat", "release", "ft-1", "release_a", "base", "release_b", "ft-1",
            "__rate_interval", "1m", "__interval", "15s", "__range", "1h");

    private static final Map<String, List<String>> REQUIRED_VARIABLES = Map.of(
            "canopy-fleet-overview", List.of("model", "release"),
            "canopy-model-detail", List.of("model", "release"),
            "canopy-release-comparison", List.of("model", "release_a", "release_b"),
            "canopy-pipeline-health", List.of("model", "release"));

    private static final Map<String, Set<String>> LABEL_VALUES = Map.of(
            "window", Set.of("cumulative", "rolling"),
            "scope", Set.of("prompt-pooled", "all-rollouts"),
            "method", Set.of("pearson", "spearman", "kendall"),
            "estimator", Set.of("exact", "topk", "surprisal"),
            "state", Arrays.stream(KafkaStreams.State.values()).map(Enum::name).collect(Collectors.toSet()),
            "metric", Arrays.stream(ShiftDetector.Metric.values()).map(ShiftDetector.Metric::code).collect(Collectors.toSet()),
            "status", Arrays.stream(ShiftDetector.Status.values()).map(ShiftDetector.Status::code).collect(Collectors.toSet()));

    /** Alert severities: critical pages, warning is for working hours, info only shows on dashboards and /alerts. */
    private static final Set<String> SEVERITIES = Set.of("critical", "warning", "info");

    private static final Map<String, MetricCatalogue> CATALOGUE = new HashMap<>();

    static {
        for (MetricCatalogue metric : MetricCatalogue.values()) {
            for (String name : metric.exposedNames()) {
                CATALOGUE.put(name, metric);
            }
        }
    }

    static Stream<Path> dashboards() {
        return PromQlExpressions.dashboards(ROOT).stream();
    }

    // ------------------------------------------------------------------ dashboards

    @Test
    void shouldShipTheFourCanopyDashboards() {
        Set<String> uids = dashboards().map(p -> PromQlExpressions.read(p).path("uid").asText()).collect(Collectors.toSet());
        assertTrue(uids.containsAll(REQUIRED_VARIABLES.keySet()), "dashboards present: " + uids);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dashboards")
    void dashboardShouldBeProvisionableJsonWithAReadableUidAndNoExportArtefacts(Path file) throws IOException {
        JsonNode dashboard = PromQlExpressions.read(file);
        String stem = file.getFileName().toString().replaceFirst("\\.json$", "");
        assertEquals(stem, dashboard.path("uid").asText(), "uid must equal the file name");
        assertTrue(stem.matches("canopy-[a-z]+(-[a-z]+)*"), "readable uid: " + stem);
        assertTrue(dashboard.path("id").isNull(), "id must be null so that Grafana assigns one");
        assertTrue(dashboard.path("title").asText().startsWith("Canopy / "), "title: " + dashboard.path("title"));
        assertTrue(dashboard.path("schemaVersion").asInt() >= 39, "Grafana 11 schema (>= 39)");
        assertFalse(dashboard.path("description").asText().isBlank(), "dashboard description");
        for (String artefact : List.of("__inputs", "__requires", "__elements", "gnetId")) {
            assertFalse(dashboard.has(artefact), "export artefact " + artefact);
        }
        String text = Files.readString(file);
        assertFalse(text.contains("${DS_"), "exported datasource placeholder ${DS_...}");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dashboards")
    void panelIdsShouldBeUniqueIncludingPanelsNestedInRows(Path file) {
        Set<Integer> seen = new HashSet<>();
        for (JsonNode panel : PromQlExpressions.panels(PromQlExpressions.read(file))) {
            assertTrue(panel.path("id").isInt(), "panel without integer id: " + panel.path("title"));
            assertTrue(seen.add(panel.path("id").asInt()), "duplicate panel id " + panel.path("id") + " (" + panel.path("title").asText() + ")");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dashboards")
    void everyDatasourceShouldBeThePrometheusUid(Path file) {
        List<String> wrong = new ArrayList<>();
        collectDatasources(PromQlExpressions.read(file), "$", wrong);
        assertEquals(List.of(), wrong, "datasource must be {\"type\":\"prometheus\",\"uid\":\"prometheus\"}");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dashboards")
    void everyPanelShouldHaveTitleDescriptionUnitAndQueries(Path file) {
        for (JsonNode panel : PromQlExpressions.panels(PromQlExpressions.read(file))) {
            String title = panel.path("title").asText();
            assertFalse(title.isBlank(), "panel " + panel.path("id") + " has no title");
            if ("row".equals(panel.path("type").asText())) {
                assertTrue(panel.path("collapsed").asBoolean() || panel.path("panels").isEmpty(),
                        "an expanded row keeps its panels at top level: " + title);
                continue;
            }
            assertFalse(panel.path("description").asText().isBlank(), "no description: " + title);
            assertFalse(panel.path("fieldConfig").path("defaults").path("unit").asText().isBlank(), "no unit: " + title);
            assertTrue(panel.path("targets").size() > 0, "no query: " + title);
            Set<String> refIds = new HashSet<>();
            for (JsonNode target : panel.path("targets")) {
                assertFalse(target.path("expr").asText().isBlank(), "empty expr in " + title);
                assertTrue(refIds.add(target.path("refId").asText()), "duplicate refId in " + title);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dashboards")
    void panelsShouldFitTheGridWithoutOverlapping(Path file) {
        List<JsonNode> top = new ArrayList<>();
        PromQlExpressions.read(file).path("panels").forEach(top::add);
        for (JsonNode panel : top) {
            JsonNode g = panel.path("gridPos");
            assertTrue(g.path("w").asInt() > 0 && g.path("h").asInt() > 0 && g.path("x").asInt() >= 0
                    && g.path("x").asInt() + g.path("w").asInt() <= 24, "gridPos outside 24 columns: " + panel.path("title"));
        }
        for (int i = 0; i < top.size(); i++) {
            for (int j = i + 1; j < top.size(); j++) {
                JsonNode a = top.get(i).path("gridPos");
                JsonNode b = top.get(j).path("gridPos");
                boolean overlap = a.path("x").asInt() < b.path("x").asInt() + b.path("w").asInt()
                        && b.path("x").asInt() < a.path("x").asInt() + a.path("w").asInt()
                        && a.path("y").asInt() < b.path("y").asInt() + b.path("h").asInt()
                        && b.path("y").asInt() < a.path("y").asInt() + a.path("h").asInt();
                assertFalse(overlap, "panels overlap: " + top.get(i).path("title") + " / " + top.get(j).path("title"));
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dashboards")
    void templateVariablesShouldComeFromReleaseInfoAndAllBeUsed(Path file) {
        JsonNode dashboard = PromQlExpressions.read(file);
        Map<String, JsonNode> variables = new LinkedHashMap<>();
        dashboard.path("templating").path("list").forEach(v -> variables.put(v.path("name").asText(), v));
        String uid = dashboard.path("uid").asText();
        for (String required : REQUIRED_VARIABLES.getOrDefault(uid, List.of("model"))) {
            assertTrue(variables.containsKey(required), uid + " lacks variable " + required);
        }
        for (String name : List.of("model", "release")) {
            if (variables.containsKey(name)) {
                String query = PromQlExpressions.variableQuery(variables.get(name));
                assertTrue(query != null && query.startsWith("label_values(canopy_release_info"),
                        name + " must be label_values on canopy_release_info: " + query);
            }
        }
        // Every variable referenced is defined (or a Grafana built-in), every variable defined is referenced.
        StringBuilder usage = new StringBuilder();
        for (Expression e : PromQlExpressions.fromDashboard(ROOT, file, null)) {
            usage.append(e.expr()).append('\n');
        }
        for (JsonNode panel : PromQlExpressions.panels(dashboard)) {
            usage.append(panel.path("title").asText()).append(" $").append(panel.path("repeat").asText("-")).append('\n');
        }
        variables.values().forEach(v -> usage.append(String.valueOf(PromQlExpressions.variableQuery(v))).append('\n'));
        Set<String> referenced = new TreeSet<>(PromQlExpressions.referencedVariables(usage.toString()));
        for (String name : referenced) {
            assertTrue(variables.containsKey(name) || PromQlExpressions.GRAFANA_BUILTINS.contains(name),
                    uid + " references undefined variable $" + name);
        }
        for (String name : variables.keySet()) {
            assertTrue(referenced.contains(name), uid + " defines variable " + name + " that nothing uses");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dashboards")
    void releasesShouldBeAnnotatedFromFirstSeenTimestamps(Path file) {
        boolean annotated = PromQlExpressions.fromDashboard(ROOT, file, null).stream()
                .anyMatch(e -> e.kind() == Kind.ANNOTATION && e.expr().contains("canopy_release_first_seen_timestamp_seconds"));
        assertTrue(annotated, "release annotation from canopy_release_first_seen_timestamp_seconds");
    }

    @Test
    void everyMetricInDashboardsAndAlertsShouldBeInTheCatalogue() {
        List<String> problems = new ArrayList<>();
        for (Expression e : PromQlExpressions.expressions(ROOT, VARIABLES)) {
            PromQlSelectors.Parsed parsed = PromQlSelectors.parse(e.expr());
            for (Selector selector : parsed.selectors()) {
                String name = selector.metric();
                if (name == null) {
                    problems.add(e.origin() + ": selector without a metric name");
                } else if (!CATALOGUE.containsKey(name) && !name.equals("up") && !name.startsWith("jvm_")) {
                    problems.add(e.origin() + ": " + name + " is not in MetricCatalogue");
                }
            }
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void selectorLabelsAndValuesShouldMatchTheCatalogue() {
        Set<String> anyLabel = new HashSet<>(Set.of("job", "instance", "le", "area", "gc", "__name__"));
        for (MetricCatalogue metric : MetricCatalogue.values()) {
            anyLabel.addAll(metric.labels());
        }
        List<String> problems = new ArrayList<>();
        for (Expression e : PromQlExpressions.expressions(ROOT, VARIABLES)) {
            PromQlSelectors.Parsed parsed = PromQlSelectors.parse(e.expr());
            for (String label : parsed.groupingLabels()) {
                if (!anyLabel.contains(label)) {
                    problems.add(e.origin() + ": grouping label " + label + " is on no exported series");
                }
            }
            for (Selector selector : parsed.selectors()) {
                Set<String> allowed = allowedLabels(selector.metric());
                for (LabelMatcher m : selector.matchers()) {
                    if (allowed != null && !allowed.contains(m.label())) {
                        problems.add(e.origin() + ": " + selector.metric() + " has no label " + m.label());
                    }
                    Set<String> values = LABEL_VALUES.get(m.label());
                    if (values != null) {
                        for (String value : literalAlternatives(m)) {
                            if (!values.contains(value)) {
                                problems.add(e.origin() + ": " + m.label() + "=\"" + value + "\" is not one of " + new TreeSet<>(values));
                            }
                        }
                    }
                }
            }
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void everyDashboardExpressionShouldParseWithPromtool(@TempDir Path tmp) throws IOException {
        List<Expression> expressions = PromQlExpressions.expressions(ROOT, VARIABLES).stream()
                .filter(e -> e.kind() != Kind.ALERT).toList();
        StringBuilder rules = new StringBuilder("groups:\n  - name: dashboard-expressions\n    rules:\n");
        for (int i = 0; i < expressions.size(); i++) {
            rules.append("      - record: canopy_dashboard_check_").append(i).append("\n        expr: |\n");
            for (String line : expressions.get(i).expr().split("\n")) {
                rules.append("          ").append(line).append('\n');
            }
        }
        Path file = tmp.resolve("dashboard-expressions.yml");
        Files.writeString(file, rules);
        Promtool.Result result = Promtool.run(tmp, "check", "rules", file.toString());
        if (result.exitCode() != 0) {
            StringBuilder origins = new StringBuilder();
            Matcher m = Pattern.compile("canopy_dashboard_check_(\\d+)").matcher(result.output());
            while (m.find()) {
                origins.append("\n  ").append(m.group()).append(" = ").append(expressions.get(Integer.parseInt(m.group(1))).origin());
            }
            fail("promtool rejects dashboard expressions:\n" + result.output() + origins);
        }
        assertTrue(expressions.size() > 100, "expected every panel's expressions, found " + expressions.size());
    }

    @Test
    void dashboardLinksShouldPointAtExistingDashboardsAndVariables() throws IOException {
        Map<String, Set<String>> variablesByUid = new HashMap<>();
        for (Path file : PromQlExpressions.dashboards(ROOT)) {
            JsonNode d = PromQlExpressions.read(file);
            Set<String> names = new HashSet<>();
            d.path("templating").path("list").forEach(v -> names.add(v.path("name").asText()));
            variablesByUid.put(d.path("uid").asText(), names);
        }
        Pattern link = Pattern.compile("/d/([A-Za-z0-9_-]+)(\\?[^\"'\\s]*)?");
        List<Path> sources = new ArrayList<>(PromQlExpressions.dashboards(ROOT));
        sources.add(ROOT.resolve("compose/alerts.yml"));
        int links = 0;
        for (Path source : sources) {
            Matcher m = link.matcher(Files.readString(source));
            while (m.find()) {
                links++;
                String uid = m.group(1);
                assertTrue(variablesByUid.containsKey(uid), source.getFileName() + " links to unknown dashboard " + uid);
                Matcher var = Pattern.compile("var-(\\w+)=").matcher(m.group(2) == null ? "" : m.group(2));
                while (var.find()) {
                    assertTrue(variablesByUid.get(uid).contains(var.group(1)),
                            source.getFileName() + " sets unknown variable " + var.group(1) + " of " + uid);
                }
            }
        }
        assertTrue(links > 0, "expected links between dashboards and from alerts");
    }

    @Test
    void promQlExpressionsHelperShouldSubstituteEveryGrafanaVariable() {
        List<String> all = PromQlExpressions.all(ROOT, VARIABLES);
        List<Expression> alerts = PromQlExpressions.expressions(ROOT, VARIABLES).stream().filter(e -> e.kind() == Kind.ALERT).toList();
        assertEquals(PromQlExpressions.all(ROOT).size(), all.size());
        assertTrue(alerts.size() >= 6, "alert rule expressions included");
        for (String expr : all) {
            assertFalse(expr.replace("\"$1\"", "").contains("$"), "unsubstituted variable in " + expr);
        }
        List<String> templating = PromQlExpressions.templatingQueries(ROOT, VARIABLES);
        assertTrue(templating.stream().allMatch(q -> q.startsWith("label_values(") && !q.contains("$")), templating.toString());
        assertTrue(templating.contains("label_values(canopy_release_info{model=\"chat\"}, release)"), templating.toString());
        try {
            PromQlExpressions.all(ROOT, Map.of());
            fail("a missing variable value must be an error");
        } catch (IllegalArgumentException expected) {
            assertTrue(expected.getMessage().contains("no value for Grafana variable $"), expected.getMessage());
        }
    }

    // ------------------------------------------------------------------ Prometheus

    @Test
    void alertRulesShouldPassPromtoolCheckRules() {
        Promtool.Result result = Promtool.run(ROOT.resolve("compose"), "check", "rules", "alerts.yml");
        assertEquals(0, result.exitCode(), result.output());
        assertTrue(result.output().contains("SUCCESS"), result.output());
    }

    @Test
    void prometheusConfigShouldPassPromtoolCheckConfig() {
        Promtool.Result result = Promtool.run(ROOT.resolve("compose"), "check", "config", "prometheus.yml");
        assertEquals(0, result.exitCode(), result.output());
        assertTrue(result.output().contains("SUCCESS: 1 rule files found"), "alerts.yml is loaded:\n" + result.output());
    }

    @Test
    void alertRulesShouldPassTheirPromtoolUnitTests() {
        Promtool.Result result = Promtool.run(ROOT, "test", "rules", "tests/src/test/resources/assets/alerts-test.yml");
        assertEquals(0, result.exitCode(), result.output());
        assertTrue(result.output().contains("SUCCESS") && !result.output().contains("FAILED"), result.output());
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyAlertShouldHaveForSeveritySummaryDescriptionRunbookAFiringAndASilentUnitTest() {
        Map<String, Object> rules = yaml(ROOT.resolve("compose/alerts.yml"));
        Set<String> tested = new HashSet<>();
        Set<String> silent = new HashSet<>();
        Map<String, Object> unitTests = yaml(ROOT.resolve("tests/src/test/resources/assets/alerts-test.yml"));
        for (Map<String, Object> test : (List<Map<String, Object>>) unitTests.get("tests")) {
            for (Map<String, Object> check : (List<Map<String, Object>>) test.get("alert_rule_test")) {
                Object expected = check.get("exp_alerts");
                if (expected instanceof List<?> list && !list.isEmpty()) {
                    tested.add((String) check.get("alertname"));
                } else {
                    silent.add((String) check.get("alertname"));
                }
            }
        }
        int alerts = 0;
        for (Map<String, Object> group : (List<Map<String, Object>>) rules.get("groups")) {
            for (Map<String, Object> rule : (List<Map<String, Object>>) group.get("rules")) {
                String name = (String) rule.get("alert");
                if (name == null) {
                    continue;
                }
                alerts++;
                assertTrue(String.valueOf(rule.get("for")).matches("\\d+[smh]"), name + " needs a for: duration");
                Map<String, Object> labels = (Map<String, Object>) rule.get("labels");
                assertTrue(labels != null && SEVERITIES.contains(labels.get("severity")), name + " severity, one of " + SEVERITIES);
                Map<String, Object> annotations = (Map<String, Object>) rule.get("annotations");
                for (String key : List.of("summary", "description", "runbook")) {
                    Object text = annotations == null ? null : annotations.get(key);
                    assertTrue(text instanceof String s && !s.isBlank(), name + " lacks annotation " + key);
                }
                assertTrue(tested.contains(name), name + " has no firing case in alerts-test.yml");
                assertTrue(silent.contains(name), name + " has no silent case (an alert_rule_test without exp_alerts) in alerts-test.yml");
            }
        }
        assertTrue(alerts >= 7, "alert rules found: " + alerts);
    }

    @Test
    @SuppressWarnings("unchecked")
    void releaseShiftAlertsShouldFollowTheDetectorAndPageOnlyForAFallOfRho() {
        Map<String, Map<String, Object>> alerts = new HashMap<>();
        for (Map<String, Object> group : (List<Map<String, Object>>) yaml(ROOT.resolve("compose/alerts.yml")).get("groups")) {
            for (Map<String, Object> rule : (List<Map<String, Object>>) group.get("rules")) {
                if (rule.get("alert") != null) {
                    alerts.put((String) rule.get("alert"), rule);
                }
            }
        }
        Map<String, Object> rhoDrop = alerts.get("CanopyReleaseShiftRhoDrop");
        Map<String, Object> ceStar = alerts.get("CanopyReleaseShiftCEStar");
        assertTrue(rhoDrop != null && ceStar != null, "both release shift alerts exist: " + alerts.keySet());
        String rhoExpr = (String) rhoDrop.get("expr");
        assertTrue(rhoExpr.contains("status=\"shift\"") && rhoExpr.contains("canopy_shift_effect_upper{metric=\"length_entropy_rate.pearson\"}) < 0"),
                "CanopyReleaseShiftRhoDrop: a pearson shift whose interval lies below zero\n" + rhoExpr);
        assertTrue(((String) ceStar.get("expr")).contains("metric=~\"ce_star|gen_ppl\", status=\"shift\""), "CanopyReleaseShiftCEStar: a CE* or GenPPL shift");
        List<String> paging = alerts.entrySet().stream()
                .filter(e -> "critical".equals(((Map<String, Object>) e.getValue().get("labels")).get("severity")))
                .filter(e -> String.valueOf(e.getValue().get("expr")).contains("canopy_release_info")
                        || String.valueOf(e.getValue().get("expr")).contains("canopy_shift_"))
                .map(Map.Entry::getKey).sorted().toList();
        assertEquals(List.of("CanopyReleaseShiftRhoDrop"), paging, "release alerts that page");
        for (Map.Entry<String, Map<String, Object>> e : alerts.entrySet()) {
            String expr = String.valueOf(e.getValue().get("expr"));
            if (expr.contains("canopy_release_info")) {
                Map<String, Object> labels = (Map<String, Object>) e.getValue().get("labels");
                assertEquals("info", labels.get("severity"), e.getKey() + ": threshold rules are informational");
                assertTrue(expr.contains("unless on (model, release)") && expr.contains("canopy_shift_"),
                        e.getKey() + ": silent while the shift detector reports the same change");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dashboards")
    void shiftVerdictPanelsShouldMapEveryVerdictTheirQueryEncodes(Path file) {
        for (JsonNode panel : PromQlExpressions.panels(PromQlExpressions.read(file))) {
            boolean encodesVerdicts = false;
            for (JsonNode target : panel.path("targets")) {
                encodesVerdicts |= target.path("expr").asText().contains("status=\"insufficient_data\"} == 1) * 0");
            }
            if (!encodesVerdicts) {
                continue;
            }
            Set<String> mapped = new TreeSet<>();
            List<JsonNode> mappingLists = new ArrayList<>();
            mappingLists.add(panel.path("fieldConfig").path("defaults").path("mappings"));
            for (JsonNode override : panel.path("fieldConfig").path("overrides")) {
                for (JsonNode property : override.path("properties")) {
                    if ("mappings".equals(property.path("id").asText())) {
                        mappingLists.add(property.path("value"));
                    }
                }
            }
            for (JsonNode mappings : mappingLists) {
                for (JsonNode mapping : mappings) {
                    mapping.path("options").fieldNames().forEachRemaining(mapped::add);
                }
            }
            assertTrue(mapped.containsAll(List.of("0", "1", "2", "3")),
                    panel.path("title").asText() + ": verdicts 0 insufficient data, 1 no evidence, 2 shift up, 3 shift down need value mappings; found " + mapped);
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void prometheusShouldScrapeTheMonitorEveryFiveSecondsAsJobCanopy() {
        Map<String, Object> config = yaml(ROOT.resolve("compose/prometheus.yml"));
        assertTrue(((List<String>) config.get("rule_files")).contains("alerts.yml"), "rule_files loads alerts.yml");
        Map<String, Object> canopy = ((List<Map<String, Object>>) config.get("scrape_configs")).stream()
                .filter(c -> "canopy".equals(c.get("job_name"))).findFirst().orElseThrow(() -> new AssertionError("no canopy job"));
        assertEquals("5s", canopy.get("scrape_interval"));
        List<Map<String, Object>> statics = (List<Map<String, Object>>) canopy.get("static_configs");
        assertEquals(List.of("canopy:9400"), statics.get(0).get("targets"));
    }

    // ------------------------------------------------------------------ compose, Grafana provisioning, Dockerfile

    @Test
    @SuppressWarnings("unchecked")
    void composeShouldPinEveryImageAndBuildTheMonitorFromTheRepo() {
        Map<String, Map<String, Object>> services = services();
        assertTrue(services.keySet().containsAll(List.of("kafka", "canopy", "fleet", "prometheus", "grafana")), services.keySet().toString());
        for (Map.Entry<String, Map<String, Object>> service : services.entrySet()) {
            Object image = service.getValue().get("image");
            Object build = service.getValue().get("build");
            assertTrue(image != null || build != null, service.getKey() + " has neither image nor build");
            if (image != null) {
                assertPinned(service.getKey(), (String) image);
            }
            if (build != null) {
                Map<String, Object> b = build instanceof Map ? (Map<String, Object>) build : Map.of("context", build);
                Path context = ROOT.resolve("compose").resolve((String) b.get("context")).normalize();
                assertTrue(Files.isDirectory(context), service.getKey() + " build context " + context);
                assertTrue(Files.isRegularFile(context.resolve((String) b.getOrDefault("dockerfile", "Dockerfile"))), "Dockerfile of " + service.getKey());
            }
        }
        assertEquals(List.of("run", "--bootstrap-servers", "kafka:9092", "--http-port", "9400", "--semantic"), services.get("canopy").get("command"));
        assertEquals(List.of("fleet", "--bootstrap-servers", "kafka:9092", "--text"), services.get("fleet").get("command"));
        for (String service : List.of("canopy", "fleet")) {
            // the commands must be ones the CLI accepts (parsed, not run)
            List<String> command = (List<String>) services.get(service).get("command");
            new picocli.CommandLine(new dev.canopy.app.Canopy()).parseArgs(command.toArray(String[]::new));
        }
        assertTrue(((List<String>) services.get("canopy").get("ports")).contains("9400:9400"), "monitor port 9400 published");
        Map<String, Object> kafkaEnv = (Map<String, Object>) services.get("kafka").get("environment");
        assertTrue(String.valueOf(kafkaEnv.get("KAFKA_ADVERTISED_LISTENERS")).contains("://kafka:9092"), "kafka advertises kafka:9092");
        assertTrue(String.valueOf(kafkaEnv.get("KAFKA_PROCESS_ROLES")).contains("controller"), "KRaft single node");
    }

    @Test
    @SuppressWarnings("unchecked")
    void composeBindMountsShouldExistInTheRepoAndNamedVolumesBeDeclared() {
        Map<String, Object> compose = yaml(ROOT.resolve("compose/docker-compose.yml"));
        Map<String, Object> declared = compose.get("volumes") == null ? Map.of() : (Map<String, Object>) compose.get("volumes");
        int binds = 0;
        for (Map.Entry<String, Map<String, Object>> service : services().entrySet()) {
            for (Object volume : (List<Object>) service.getValue().getOrDefault("volumes", List.of())) {
                String source = volume instanceof Map ? String.valueOf(((Map<String, Object>) volume).get("source")) : ((String) volume).split(":")[0];
                if (source.startsWith(".") || source.startsWith("/")) {
                    binds++;
                    Path host = ROOT.resolve("compose").resolve(source).normalize();
                    assertTrue(host.startsWith(ROOT), service.getKey() + " mounts " + source + " from outside the repo");
                    assertTrue(Files.exists(host), service.getKey() + " mounts missing " + source);
                } else {
                    assertTrue(declared.containsKey(source), service.getKey() + " uses undeclared volume " + source);
                }
            }
        }
        assertTrue(binds >= 4, "prometheus and grafana bind mounts expected, found " + binds);
    }

    @Test
    @SuppressWarnings("unchecked")
    void composeDependenciesShouldWaitOnlyForServicesWithHealthchecks() {
        Map<String, Map<String, Object>> services = services();
        for (Map.Entry<String, Map<String, Object>> service : services.entrySet()) {
            Object dependsOn = service.getValue().get("depends_on");
            if (dependsOn instanceof Map<?, ?> map) {
                for (Map.Entry<?, ?> dep : map.entrySet()) {
                    assertTrue(services.containsKey((String) dep.getKey()), service.getKey() + " depends on unknown " + dep.getKey());
                    Object condition = ((Map<String, Object>) dep.getValue()).get("condition");
                    if ("service_healthy".equals(condition)) {
                        assertTrue(services.get((String) dep.getKey()).containsKey("healthcheck"),
                                service.getKey() + " waits for " + dep.getKey() + " to be healthy but it has no healthcheck");
                    }
                }
            }
        }
        for (String name : List.of("kafka", "canopy", "prometheus", "grafana")) {
            assertTrue(services.get(name).containsKey("healthcheck"), name + " healthcheck");
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void grafanaProvisioningShouldPointAtPrometheusAndTheMountedDashboards() {
        Map<String, Object> datasources = yaml(ROOT.resolve("grafana/provisioning/datasources/prometheus.yml"));
        Map<String, Object> datasource = ((List<Map<String, Object>>) datasources.get("datasources")).get(0);
        assertEquals("prometheus", datasource.get("uid"));
        assertEquals("prometheus", datasource.get("type"));
        assertEquals("http://prometheus:9090", datasource.get("url"));

        Map<String, Object> providers = yaml(ROOT.resolve("grafana/provisioning/dashboards/canopy.yml"));
        Map<String, Object> provider = ((List<Map<String, Object>>) providers.get("providers")).get(0);
        assertEquals("file", provider.get("type"));
        String path = (String) ((Map<String, Object>) provider.get("options")).get("path");
        assertEquals("/var/lib/grafana/dashboards", path);

        List<String> mounts = (List<String>) services().get("grafana").get("volumes");
        assertTrue(mounts.stream().anyMatch(m -> m.startsWith("../grafana/dashboards:" + path)), "dashboards mounted at " + path + ": " + mounts);
        assertTrue(mounts.stream().anyMatch(m -> m.startsWith("../grafana/provisioning:/etc/grafana/provisioning")), "provisioning mounted: " + mounts);
        List<String> prometheusMounts = (List<String>) services().get("prometheus").get("volumes");
        assertTrue(prometheusMounts.contains("./prometheus.yml:/etc/prometheus/prometheus.yml:ro"), prometheusMounts.toString());
        assertTrue(prometheusMounts.contains("./alerts.yml:/etc/prometheus/alerts.yml:ro"), prometheusMounts.toString());
    }

    @Test
    void dockerfileShouldBuildTheShadedJarAndRunItAsNonRoot() throws IOException {
        List<String> lines = Files.readAllLines(ROOT.resolve("Dockerfile"));
        List<String> from = lines.stream().map(String::trim).filter(l -> l.toUpperCase().startsWith("FROM ")).toList();
        assertEquals(2, from.size(), "multi-stage build: " + from);
        for (String line : from) {
            assertPinned("Dockerfile", line.split("\\s+")[1]);
        }
        assertTrue(from.get(0).startsWith("FROM maven:3.9-eclipse-temurin-17"), from.get(0));
        assertTrue(from.get(1).startsWith("FROM eclipse-temurin:17-jre"), from.get(1));
        String text = String.join("\n", lines);
        assertTrue(text.contains("mvn -q -B -DskipTests package -pl app -am"), "builds the app module and what it needs");
        assertTrue(text.contains("/app/target/canopy.jar /opt/canopy/canopy.jar"), "copies the shaded jar");
        String entrypoint = lines.stream().map(String::trim).filter(l -> l.startsWith("ENTRYPOINT ")).reduce((a, b) -> b).orElse("");
        // exec form through sh, so that CANOPY_JAVA_OPTS (the heap) reaches the JVM; exec makes java PID 1, which gets the stop signal
        assertTrue(entrypoint.startsWith("ENTRYPOINT [\"sh\", \"-c\", \"exec java ") && entrypoint.contains("$CANOPY_JAVA_OPTS -jar /opt/canopy/canopy.jar \\\"$@\\\"")
                && entrypoint.contains("-XX:+ExitOnOutOfMemoryError"), "entrypoint: " + entrypoint);
        assertTrue(lines.stream().map(String::trim).anyMatch(l -> l.matches("ENV CANOPY_JAVA_OPTS=.*-Xmx\\d+[mg].*")), "a bounded heap by default");
        String user = lines.stream().map(String::trim).filter(l -> l.startsWith("USER ")).reduce((a, b) -> b).orElse("USER root");
        assertFalse(user.equals("USER root") || user.equals("USER 0"), "runs as non-root: " + user);
        List<String> ignored = Files.readAllLines(ROOT.resolve(".dockerignore"));
        assertTrue(ignored.contains("**/target") && ignored.contains(".git"), ".dockerignore keeps build output and .git out");
    }

    // ------------------------------------------------------------------ helpers

    private static void collectDatasources(JsonNode node, String path, List<String> wrong) {
        if (node.isObject()) {
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                if (field.getKey().equals("datasource")) {
                    JsonNode ds = field.getValue();
                    if (!ds.isObject() || !"prometheus".equals(ds.path("uid").asText()) || !"prometheus".equals(ds.path("type").asText())) {
                        wrong.add(path + ".datasource = " + ds);
                    }
                }
                collectDatasources(field.getValue(), path + "." + field.getKey(), wrong);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                collectDatasources(node.get(i), path + "[" + i + "]", wrong);
            }
        }
    }

    /** Labels a selector of this metric may use, or null when the series is not Canopy's (jvm_*). */
    private static Set<String> allowedLabels(String metric) {
        if ("up".equals(metric)) {
            return Set.of("__name__", "job", "instance");
        }
        MetricCatalogue entry = CATALOGUE.get(metric);
        if (entry == null) {
            return null;
        }
        Set<String> labels = new HashSet<>(entry.labels());
        labels.addAll(List.of("__name__", "job", "instance"));
        if (metric.endsWith("_bucket") && entry.type() == MetricCatalogue.Type.HISTOGRAM) {
            labels.add("le");
        }
        return labels;
    }

    /** The literal values a matcher names: its value, or the alternatives of a plain a|b regex; none for other regexes. */
    private static List<String> literalAlternatives(LabelMatcher m) {
        if (m.op().equals("=") || m.op().equals("!=")) {
            return m.value().isEmpty() ? List.of() : List.of(m.value());
        }
        return m.value().matches("[A-Za-z0-9_-]+(\\|[A-Za-z0-9_-]+)*") ? List.of(m.value().split("\\|")) : List.of();
    }

    private static void assertPinned(String where, String image) {
        String withoutDigest = image.split("@")[0];
        String lastPart = withoutDigest.substring(withoutDigest.lastIndexOf('/') + 1);
        assertTrue(lastPart.contains(":") || image.contains("@sha256:"), where + ": image without a tag: " + image);
        String tag = lastPart.contains(":") ? lastPart.substring(lastPart.indexOf(':') + 1) : "";
        assertFalse(tag.equals("latest") || tag.isBlank() && !image.contains("@sha256:"), where + ": unpinned image " + image);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Map<String, Object>> services() {
        return (Map<String, Map<String, Object>>) yaml(ROOT.resolve("compose/docker-compose.yml")).get("services");
    }

    private static Map<String, Object> yaml(Path file) {
        try (Reader reader = Files.newBufferedReader(file)) {
            return new Yaml(new SafeConstructor(new LoaderOptions())).load(reader);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
