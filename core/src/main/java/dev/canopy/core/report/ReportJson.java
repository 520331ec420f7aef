package dev.canopy.core.report;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import dev.canopy.core.stats.Correlations;
import dev.canopy.core.stats.GroupMetrics;

import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.Map;

/**
 * Writes a {@link Report} as JSON in the documented schema. Undefined numbers (NaN) are written as
 * null; doubles are written in full precision (shortest representation that reads back exactly).
 */
public final class ReportJson {

    private static final JsonFactory FACTORY = new JsonFactory();

    /** Writes extra fields into each group's object (e.g. the semantic diversity block). */
    @FunctionalInterface
    public interface GroupExtension {
        GroupExtension NONE = (m, g) -> { };

        void write(GroupMetrics group, JsonGenerator g) throws IOException;
    }

    /** Writes extra top-level fields after the report's own (e.g. which instances a merged report lacks). */
    @FunctionalInterface
    public interface ReportExtension {
        ReportExtension NONE = g -> { };

        void write(JsonGenerator g) throws IOException;
    }

    private ReportJson() {
    }

    public static String toJson(Report report) {
        StringWriter w = new StringWriter();
        write(report, w);
        return w.toString();
    }

    public static void write(Report report, Writer out) {
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            write(report, g, GroupExtension.NONE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static void write(Report report, OutputStream out) {
        write(report, out, GroupExtension.NONE);
    }

    public static void write(Report report, OutputStream out, GroupExtension extension) {
        write(report, out, extension, ReportExtension.NONE);
    }

    public static void write(Report report, OutputStream out, GroupExtension extension, ReportExtension top) {
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            write(report, g, extension, top);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(Report report, JsonGenerator g, GroupExtension extension) throws IOException {
        write(report, g, extension, ReportExtension.NONE);
    }

    private static void write(Report report, JsonGenerator g, GroupExtension extension, ReportExtension top) throws IOException {
        g.setPrettyPrinter(new DefaultPrettyPrinter());
        g.writeStartObject();
        g.writeNumberField("rejected", report.rejected());
        g.writeNumberField("abandoned", report.abandoned());
        g.writeObjectFieldStart("rejected_by_reason");
        for (Map.Entry<String, Long> e : report.rejectedByReason().entrySet()) {
            g.writeNumberField(e.getKey(), e.getValue());
        }
        g.writeEndObject();
        g.writeArrayFieldStart("groups");
        for (GroupMetrics m : report.groups()) {
            g.writeStartObject();
            writeGroupFields(m, g);
            extension.write(m, g);
            g.writeEndObject();
        }
        g.writeEndArray();
        top.write(g);
        g.writeEndObject();
        g.writeRaw('\n');
    }

    /**
     * Writes one group's fields (as in the report's {@code groups} entries) into an object the caller
     * has started, so that callers can add fields of their own (the metrics topic adds the window).
     */
    public static void writeGroupFields(GroupMetrics m, JsonGenerator g) throws IOException {
        g.writeStringField("model", m.key().model());
        g.writeStringField("release", m.key().release());
        g.writeNumberField("rollouts", m.rollouts());
        g.writeNumberField("prompts", m.prompts());
        g.writeNumberField("tokens", m.tokens());
        g.writeNumberField("abandoned", m.abandoned());
        number(g, "ce_star", m.ceStar());
        number(g, "ce_star_upper", m.ceStarUpper());
        number(g, "mean_length", m.meanLength());
        number(g, "mean_entropy_rate", m.meanEntropyRate());
        number(g, "gen_ppl", m.genPpl());
        number(g, "branching_factor", m.branchingFactor());
        number(g, "truncation_rate", m.truncationRate());
        g.writeFieldName("length_entropy_rate");
        coefficients(g, m.lengthEntropyRate(), m.pearsonInterval());
        g.writeFieldName("all_rollouts");
        coefficients(g, m.allRollouts(), m.allPearsonInterval());
        g.writeObjectFieldStart("decomposition");
        number(g, "length_driven", m.lengthDriven());
        number(g, "covariance", m.coupling());
        g.writeEndObject();
        g.writeObjectFieldStart("estimators");
        g.writeNumberField("exact", m.exactSteps());
        g.writeNumberField("topk", m.topkSteps());
        g.writeNumberField("surprisal", m.surprisalSteps());
        g.writeEndObject();
        g.writeBooleanField("sampled", m.sampled());
        g.writeArrayFieldStart("per_prompt");
        for (GroupMetrics.PromptMetrics p : m.perPrompt()) {
            g.writeStartObject();
            g.writeStringField("prompt_id", p.promptId());
            g.writeNumberField("rollouts", p.rollouts());
            number(g, "ce_star", p.ceStar());
            number(g, "ce_star_upper", p.ceStarUpper());
            number(g, "mean_length", p.meanLength());
            number(g, "mean_entropy_rate", p.meanEntropyRate());
            number(g, "truncation_rate", p.truncationRate());
            number(g, "pearson", p.coefficients().pearson());
            number(g, "spearman", p.coefficients().spearman());
            number(g, "kendall", p.coefficients().kendall());
            number(g, "covariance", p.coefficients().covariance());
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    private static void coefficients(JsonGenerator g, Correlations.Coefficients c, double[] interval) throws IOException {
        g.writeStartObject();
        number(g, "pearson", c.pearson());
        number(g, "spearman", c.spearman());
        number(g, "kendall", c.kendall());
        number(g, "covariance", c.covariance());
        number(g, "pearson_ci_low", interval[0]);
        number(g, "pearson_ci_high", interval[1]);
        g.writeEndObject();
    }

    /** Writes a number field, or null when the value is undefined (NaN or infinite). */
    public static void number(JsonGenerator g, String name, double v) throws IOException {
        if (Double.isFinite(v)) {
            g.writeNumberField(name, v);
        } else {
            g.writeNullField(name);
        }
    }
}
