package dev.canopy.topology;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.canopy.core.report.ReportJson;
import dev.canopy.core.stats.GroupMetrics;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/** The records the aggregate sends to the metrics topic. */
final class MetricsRecord {

    private static final JsonFactory JSON = new JsonFactory();

    private MetricsRecord() {
    }

    /** One metrics record: the group's fields as in the report, plus what it covers. */
    static byte[] json(GroupMetrics m, String kind, long start, long end, boolean closed, long emittedAt) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("kind", kind);
            if (kind.equals("window")) {
                g.writeNumberField("window_start", start);
                g.writeNumberField("window_end", end);
                g.writeBooleanField("closed", closed);
            }
            g.writeNumberField("emitted_at", emittedAt);
            ReportJson.writeGroupFields(m, g);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
