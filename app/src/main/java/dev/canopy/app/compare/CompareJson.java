package dev.canopy.app.compare;

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
 * interval is the 95% percentile bootstrap interval of the delta. Undefined numbers are null, and so is
 * {@code significant} when the interval is undefined. Doubles are written in full precision.
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
            g.writeObjectFieldStart("metrics");
            for (Metric m : Metric.values()) {
                Comparison.Result r = c.result(m);
                g.writeObjectFieldStart(m.key());
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
                g.writeEndObject();
            }
            g.writeEndObject();
            g.writeEndObject();
            g.writeRaw('\n');
        }
    }

    private static void number(JsonGenerator g, String name, double v) throws IOException {
        if (Double.isFinite(v)) {
            g.writeNumberField(name, v);
        } else {
            g.writeNullField(name);
        }
    }
}
