package dev.canopy.semantic;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.canopy.core.report.ReportJson;
import dev.canopy.core.stats.Correlations;

import java.io.IOException;

/** Writes the {@code semantic} block of a report group. Undefined numbers are null. */
public final class SemanticJson {

    private SemanticJson() {
    }

    public static void write(SemanticMetrics m, JsonGenerator g) throws IOException {
        write(m, null, g);
    }

    /**
     * The block with the streaming monitor's rollout counts ({@code rollouts}: without_text, embedded,
     * not_sampled, over_budget) when {@code counts} is not null.
     */
    public static void write(SemanticMetrics m, SemanticCounts counts, JsonGenerator g) throws IOException {
        g.writeObjectFieldStart("semantic");
        g.writeNumberField("rollouts_embedded", m.embedded());
        g.writeNumberField("rollouts_used", m.kept());
        g.writeNumberField("prompts", m.prompts());
        if (counts != null) {
            g.writeObjectFieldStart("rollouts");
            g.writeNumberField("without_text", counts.withoutText());
            g.writeNumberField("embedded", counts.embedded());
            g.writeNumberField("not_sampled", counts.notSampled());
            g.writeNumberField("over_budget", counts.overBudget());
            g.writeEndObject();
        }
        ReportJson.number(g, "diversity", m.diversity());
        ReportJson.number(g, "vendi", m.vendi());
        g.writeFieldName("diversity_entropy_rate");
        coefficients(g, m.rateCorrelation());
        g.writeFieldName("diversity_length");
        coefficients(g, m.lengthCorrelation());
        g.writeArrayFieldStart("per_prompt");
        for (SemanticMetrics.Prompt p : m.perPrompt()) {
            g.writeStartObject();
            g.writeStringField("prompt_id", p.promptId());
            g.writeNumberField("rollouts", p.rollouts());
            ReportJson.number(g, "diversity", p.diversity());
            ReportJson.number(g, "vendi", p.vendi());
            ReportJson.number(g, "diversity_entropy_rate_pearson", p.rateCorrelation().pearson());
            ReportJson.number(g, "diversity_length_pearson", p.lengthCorrelation().pearson());
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    private static void coefficients(JsonGenerator g, Correlations.Coefficients c) throws IOException {
        g.writeStartObject();
        ReportJson.number(g, "pearson", c.pearson());
        ReportJson.number(g, "spearman", c.spearman());
        ReportJson.number(g, "kendall", c.kendall());
        g.writeEndObject();
    }

}
