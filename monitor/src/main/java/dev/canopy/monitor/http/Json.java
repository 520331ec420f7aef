package dev.canopy.monitor.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.canopy.monitor.query.PeerClient;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;

/**
 * The one way the HTTP API writes JSON: a body streamed to a Jackson generator, as one line ending in a
 * newline, or indented. Reading (another instance's answer) goes through the same mapper.
 */
final class Json {

    private static final JsonFactory FACTORY = new JsonFactory();
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {
    }

    /** Writes one JSON value to a generator. */
    @FunctionalInterface
    interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    /** {@code body} on one line, then a newline. */
    static byte[] line(Body body) throws IOException {
        return write(body, false, true);
    }

    /** {@code body} indented, with a newline after it when {@code newline}. */
    static byte[] indented(Body body, boolean newline) throws IOException {
        return write(body, true, newline);
    }

    /** {@code body} as a tree, for code that reads what it wrote. */
    static JsonNode tree(Body body) throws IOException {
        return MAPPER.readTree(write(body, false, false));
    }

    static JsonNode read(byte[] json) throws IOException {
        return MAPPER.readTree(json);
    }

    private static byte[] write(Body body, boolean indented, boolean newline) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            if (indented) {
                g.setPrettyPrinter(new DefaultPrettyPrinter());
            }
            body.write(g);
        }
        if (newline) {
            out.write('\n');
        }
        return out.toByteArray();
    }

    /**
     * The additive {@code partial} fields of a merged answer, inside its object: {@code "partial": true} and
     * {@code "unreachable"}, each instance with the reason and its partitions. Nothing when every instance answered.
     */
    static void missing(List<PeerClient.Missing> missing, JsonGenerator g) throws IOException {
        if (missing.isEmpty()) {
            return;
        }
        g.writeBooleanField("partial", true);
        g.writeArrayFieldStart("unreachable");
        for (PeerClient.Missing m : missing) {
            g.writeStartObject();
            g.writeStringField("instance", m.instance());
            g.writeStringField("reason", m.reason());
            g.writeArrayFieldStart("partitions");
            for (String p : m.partitions()) {
                g.writeString(p);
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        g.writeEndArray();
    }
}
