package dev.canopy.tests.assets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Every PromQL expression that Canopy's Grafana dashboards and Prometheus alert rules evaluate, so that a
 * test can run each one against a real Prometheus.
 *
 * <p>Sources: in {@code grafana/dashboards/*.json} every panel target (rows' nested panels included), every
 * annotation query and the inner expression of every {@code query_result(...)} template variable; in
 * {@code compose/alerts.yml} every rule's {@code expr}. {@code label_values(...)} template variables are
 * not PromQL and come from {@link #templatingQueries} instead.
 *
 * <p>Grafana variables ({@code $model}, {@code ${release}}, {@code [[window]]}, and the built-ins
 * {@code $__rate_interval}, {@code $__interval}, {@code $__range}) are replaced by the values given; a
 * dashboard's own custom variables (such as {@code window}) default to their saved value. A variable left
 * without a value is an error that names it. Values are inserted verbatim, as Grafana does for a
 * single-valued variable: pass {@code .*}, not "All", for a multi-value matcher ({@code =~"$release"}).
 * Prometheus's own {@code $1} in {@code label_replace} is not a variable and stays.
 *
 * <p>Limits: alert expressions return nothing while their alert is not firing, and panels comparing a
 * release with its baseline return nothing for a model's first release; an empty result is not a failure
 * for those.
 */
public final class PromQlExpressions {

    /** Where an expression is evaluated. */
    public enum Kind { PANEL, ANNOTATION, TEMPLATING, ALERT }

    /** One expression and where it comes from, e.g. {@code grafana/dashboards/x.json panel 3 "CE*" target A}. */
    public record Expression(Kind kind, String origin, String expr) {
    }

    /** Grafana's built-in variables that dashboards here may use; they always need a value from the caller. */
    public static final List<String> GRAFANA_BUILTINS = List.of("__rate_interval", "__interval", "__range");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern VARIABLE =
            Pattern.compile("\\$\\{([A-Za-z_]\\w*)(?::[^}]*)?}|\\[\\[([A-Za-z_]\\w*)(?::[^\\]]*)?]]|\\$([A-Za-z_]\\w*)");
    private static final Pattern QUERY_RESULT = Pattern.compile("(?s)^\\s*query_result\\((.*)\\)\\s*$");
    private static final Pattern LABEL_VALUES = Pattern.compile("(?s)^\\s*label_values\\(.*\\)\\s*$");

    private PromQlExpressions() {
    }

    /** Every expression as written, Grafana variables not substituted. */
    public static List<String> all(Path repoRoot) {
        return texts(expressions(repoRoot, null));
    }

    /** Every expression with the Grafana variables replaced by {@code variables} (see the class comment). */
    public static List<String> all(Path repoRoot, Map<String, String> variables) {
        return texts(expressions(repoRoot, variables));
    }

    /** Every expression with its origin; {@code variables == null} leaves Grafana variables as written. */
    public static List<Expression> expressions(Path repoRoot, Map<String, String> variables) {
        List<Expression> out = new ArrayList<>();
        for (Path dashboard : dashboards(repoRoot)) {
            out.addAll(fromDashboard(repoRoot, dashboard, variables));
        }
        out.addAll(fromAlertRules(repoRoot, repoRoot.resolve("compose/alerts.yml")));
        return out;
    }

    /** The {@code label_values(...)} template variable queries of every dashboard, variables replaced. */
    public static List<String> templatingQueries(Path repoRoot, Map<String, String> variables) {
        List<String> out = new ArrayList<>();
        for (Path dashboard : dashboards(repoRoot)) {
            JsonNode root = read(dashboard);
            Map<String, String> defaults = savedValues(root);
            for (JsonNode variable : root.path("templating").path("list")) {
                String query = variableQuery(variable);
                if (query != null && LABEL_VALUES.matcher(query).matches()) {
                    String origin = origin(repoRoot, dashboard) + " variable " + variable.path("name").asText();
                    out.add(variables == null ? query : substitute(query, variables, defaults, origin));
                }
            }
        }
        return out;
    }

    /** The dashboard files, sorted by name. */
    public static List<Path> dashboards(Path repoRoot) {
        try (Stream<Path> files = Files.list(repoRoot.resolve("grafana/dashboards"))) {
            return files.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The expressions of one dashboard: panel targets, annotations and query_result variables. */
    public static List<Expression> fromDashboard(Path repoRoot, Path dashboard, Map<String, String> variables) {
        JsonNode root = read(dashboard);
        Map<String, String> defaults = savedValues(root);
        String file = origin(repoRoot, dashboard);
        List<Expression> raw = new ArrayList<>();
        for (JsonNode panel : panels(root)) {
            for (JsonNode target : panel.path("targets")) {
                String expr = target.path("expr").asText("");
                if (!expr.isBlank()) {
                    raw.add(new Expression(Kind.PANEL, file + " panel " + panel.path("id").asText() + " \""
                            + panel.path("title").asText() + "\" target " + target.path("refId").asText(), expr));
                }
            }
        }
        for (JsonNode annotation : root.path("annotations").path("list")) {
            String expr = annotation.path("expr").asText(annotation.path("target").path("expr").asText(""));
            if (!expr.isBlank()) {
                raw.add(new Expression(Kind.ANNOTATION, file + " annotation \"" + annotation.path("name").asText() + "\"", expr));
            }
        }
        for (JsonNode variable : root.path("templating").path("list")) {
            String query = variableQuery(variable);
            Matcher inner = query == null ? null : QUERY_RESULT.matcher(query);
            if (inner != null && inner.matches()) {
                raw.add(new Expression(Kind.TEMPLATING, file + " variable " + variable.path("name").asText(), inner.group(1).trim()));
            }
        }
        if (variables == null) {
            return raw;
        }
        return raw.stream()
                .map(e -> new Expression(e.kind(), e.origin(), substitute(e.expr(), variables, defaults, e.origin())))
                .toList();
    }

    /** The {@code expr} of every recording and alerting rule of a Prometheus rule file. */
    @SuppressWarnings("unchecked")
    public static List<Expression> fromAlertRules(Path repoRoot, Path rulesFile) {
        Map<String, Object> root;
        try (Reader reader = Files.newBufferedReader(rulesFile)) {
            root = new Yaml(new SafeConstructor(new LoaderOptions())).load(reader);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Expression> out = new ArrayList<>();
        String file = origin(repoRoot, rulesFile);
        for (Map<String, Object> group : (List<Map<String, Object>>) root.get("groups")) {
            for (Map<String, Object> rule : (List<Map<String, Object>>) group.get("rules")) {
                String name = rule.containsKey("alert") ? "alert " + rule.get("alert") : "record " + rule.get("record");
                out.add(new Expression(Kind.ALERT, file + " " + name, String.valueOf(rule.get("expr")).trim()));
            }
        }
        return out;
    }

    /**
     * Replaces Grafana variables in {@code text}: from {@code variables} first, then {@code defaults}.
     *
     * @throws IllegalArgumentException naming the first variable that has no value
     */
    public static String substitute(String text, Map<String, String> variables, Map<String, String> defaults, String origin) {
        Matcher m = VARIABLE.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group(1) != null ? m.group(1) : m.group(2) != null ? m.group(2) : m.group(3);
            String value = variables.containsKey(name) ? variables.get(name) : defaults.get(name);
            if (value == null) {
                throw new IllegalArgumentException("no value for Grafana variable $" + name + " in " + origin);
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** Names of the Grafana variables referenced in {@code text}. */
    public static List<String> referencedVariables(String text) {
        List<String> names = new ArrayList<>();
        Matcher m = VARIABLE.matcher(text);
        while (m.find()) {
            names.add(m.group(1) != null ? m.group(1) : m.group(2) != null ? m.group(2) : m.group(3));
        }
        return names;
    }

    /** Every panel of a dashboard, the panels nested in rows included. */
    public static List<JsonNode> panels(JsonNode dashboard) {
        List<JsonNode> out = new ArrayList<>();
        collectPanels(dashboard.path("panels"), out);
        return out;
    }

    /** The query string of a template variable (plain string or Grafana's query object), or null. */
    public static String variableQuery(JsonNode variable) {
        if (!"query".equals(variable.path("type").asText())) {
            return null;
        }
        JsonNode query = variable.path("query");
        return query.isTextual() ? query.asText() : query.path("query").asText(null);
    }

    static JsonNode read(Path json) {
        try {
            return JSON.readTree(json.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + json, e);
        }
    }

    /** Saved values of the variables that do not query Prometheus (custom, constant, interval, textbox). */
    static Map<String, String> savedValues(JsonNode dashboard) {
        Map<String, String> values = new HashMap<>();
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            if (!"query".equals(variable.path("type").asText())) {
                JsonNode value = variable.path("current").path("value");
                if (value.isTextual()) {
                    values.put(variable.path("name").asText(), value.asText());
                }
            }
        }
        return values;
    }

    private static void collectPanels(JsonNode panels, List<JsonNode> out) {
        for (JsonNode panel : panels) {
            out.add(panel);
            collectPanels(panel.path("panels"), out);
        }
    }

    private static String origin(Path repoRoot, Path file) {
        return repoRoot.relativize(file).toString().replace('\\', '/');
    }

    private static List<String> texts(List<Expression> expressions) {
        return expressions.stream().map(Expression::expr).toList();
    }
}
