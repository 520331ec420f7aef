package dev.canopy.analysis.compare;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes compare.json:
 * <pre>
 * {"baseline": "M@R1", "candidate": "M@R2", "paired": true, "mode": "prompt", "replicates": 2000, "seed": 42,
 *  "metrics": {"ce_star": {"baseline": 63.1, "candidate": 100.3, "delta": 37.2, "ci_low": 33.0, "ci_high": 41.5,
 *                          "percent_delta": 58.9, "significant": true}, ...}}
 * </pre>
 * Metric keys are the report schema's field paths ({@link Metric}); delta = candidate − baseline and the
 * interval is its 95% interval ({@link Comparison}: prompt-jackknife t for prompt designs, percentile
 * bootstrap over rollouts for traffic). Each metric also has {@code p_value} and the Benjamini-Hochberg
 * {@code q_value} over the table, and {@code significant} is {@code q_value <= 0.05}; a top-level
 * {@code decision} object names the interval method and the family rule and counts the flags. Undefined
 * numbers are null, and so is {@code significant} when the interval is undefined. Doubles are written in
 * full precision.
 *
 * <p>With {@code --semantic} a {@code semantic} object follows {@code metrics} (without it the file is
 * unchanged):
 * <pre>
 * "semantic": {"paired": true, "mode": "prompt",
 *              "prompts": {"baseline": 48, "candidate": 48, "shared": 48},
 *              "rollouts_embedded": {"baseline": 1440, "candidate": 1440}, "rollouts_used": {...},
 *              "metrics": {"diversity": {...}, "vendi": {...}, "diversity_entropy_rate.pearson": {...},
 *                          "diversity_length.pearson": {...}},
 *              "diversity_entropy_rate_ratio": {"value": 2.8, "ci_low": 1.9, "ci_high": 4.6}}
 * </pre>
 * with the metric objects as above; {@code mode} is "none" (and every interval null) when the semantic
 * values were not resampled (traffic without prompt ids).
 */
final class CompareJson {

    private static final JsonFactory FACTORY = new JsonFactory();

    private CompareJson() {
    }

    static void write(Comparison c, Path file) throws IOException {
        try (OutputStream out = Files.newOutputStream(file); JsonGenerator g = FACTORY.createGenerator(out)) {
            g.setPrettyPrinter(new DefaultPrettyPrinter());
            g.writeStartObject();
            g.writeStringField("baseline", c.baseline().ref().toString());
            g.writeStringField("candidate", c.candidate().ref().toString());
            g.writeBooleanField("paired", c.replicates().design().paired());
            g.writeStringField("mode", c.replicates().design().mode());
            g.writeNumberField("replicates", c.replicates().count());
            g.writeNumberField("seed", c.replicates().seed());
            family(g, c.replicates().design() == Bootstrap.Design.ROLLOUTS ? Intervals.Method.PERCENTILE : Intervals.CHOSEN,
                    c.metrics().values());
            g.writeObjectFieldStart("metrics");
            for (Metric m : Metric.values()) {
                result(g, m.key(), c.result(m));
            }
            g.writeEndObject();
            if (c.semantic() != null) {
                semantic(g, c.semantic());
            }
            g.writeEndObject();
            g.writeRaw('\n');
        }
    }

    private static void result(JsonGenerator g, String key, Comparison.Result r) throws IOException {
        g.writeObjectFieldStart(key);
        number(g, "baseline", r.baseline());
        number(g, "candidate", r.candidate());
        number(g, "delta", r.delta());
        number(g, "ci_low", r.ciLow());
        number(g, "ci_high", r.ciHigh());
        number(g, "percent_delta", r.percentDelta());
        if (r.significant() == null) {
            g.writeNullField("significant");
        } else {
            g.writeBooleanField("significant", r.significant());
        }
        number(g, "p_value", r.p());
        number(g, "q_value", r.q());
        g.writeEndObject();
    }

    /** How the intervals and flags of a table were computed, and how many rows are flagged. */
    private static void family(JsonGenerator g, Intervals.Method method, java.util.Collection<Comparison.Result> rows) throws IOException {
        g.writeObjectFieldStart("decision");
        g.writeStringField("interval", method.key());
        g.writeNumberField("level", 1 - Intervals.ALPHA);
        g.writeStringField("family", "benjamini-hochberg");
        g.writeNumberField("false_discovery_rate", Intervals.ALPHA);
        g.writeNumberField("tested", rows.stream().filter(r -> !Double.isNaN(r.p())).count());
        g.writeNumberField("flagged", rows.stream().filter(r -> Boolean.TRUE.equals(r.significant())).count());
        g.writeEndObject();
    }

    private static void semantic(JsonGenerator g, SemanticComparison s) throws IOException {
        g.writeObjectFieldStart("semantic");
        g.writeBooleanField("paired", s.resampled() && s.design().paired());
        g.writeStringField("mode", s.resampled() ? s.design().mode() : "none");
        g.writeObjectFieldStart("prompts");
        g.writeNumberField("baseline", s.baseline().prompts());
        g.writeNumberField("candidate", s.candidate().prompts());
        g.writeNumberField("shared", Bootstrap.sharedPrompts(s.baseline().table(), s.candidate().table()));
        g.writeEndObject();
        g.writeObjectFieldStart("rollouts_embedded");
        g.writeNumberField("baseline", s.baseline().embedded());
        g.writeNumberField("candidate", s.candidate().embedded());
        g.writeEndObject();
        g.writeObjectFieldStart("rollouts_used");
        g.writeNumberField("baseline", s.baseline().used());
        g.writeNumberField("candidate", s.candidate().used());
        g.writeEndObject();
        if (s.resampled()) {
            family(g, Intervals.CHOSEN, s.metrics().values());
        }
        g.writeObjectFieldStart("metrics");
        for (SemanticMetric m : SemanticMetric.values()) {
            result(g, m.key(), s.result(m));
        }
        g.writeEndObject();
        g.writeObjectFieldStart("diversity_entropy_rate_ratio");
        number(g, "value", s.ratio().value());
        number(g, "ci_low", s.ratio().ciLow());
        number(g, "ci_high", s.ratio().ciHigh());
        g.writeEndObject();
        g.writeEndObject();
    }

    private static void number(JsonGenerator g, String name, double v) throws IOException {
        if (Double.isFinite(v)) {
            g.writeNumberField(name, v);
        } else {
            g.writeNullField(name);
        }
    }
}
