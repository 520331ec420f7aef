package dev.canopy.monitor.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.canopy.monitor.query.PeerClient;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The HTTP API's one way of writing JSON. */
class JsonTest {

    private static final Json.Body SAMPLE = g -> {
        g.writeStartObject();
        g.writeStringField("text", "a \"quoted\"\nline é");
        g.writeNumberField("n", 3);
        g.writeArrayFieldStart("list");
        g.writeBoolean(true);
        g.writeEndArray();
        g.writeEndObject();
    };

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    @Test
    void shouldWriteOneLineEndingInANewline() throws IOException {
        String line = text(Json.line(SAMPLE));
        assertEquals("{\"text\":\"a \\\"quoted\\\"\\nline é\",\"n\":3,\"list\":[true]}\n", line);
    }

    @Test
    void shouldIndentWithOrWithoutTheNewline() throws IOException {
        String indented = text(Json.indented(SAMPLE, false));
        assertTrue(indented.contains("\n"), "indented over several lines");
        assertFalse(indented.endsWith("\n"));
        assertTrue(text(Json.indented(SAMPLE, true)).endsWith("}\n"));
        assertEquals(Json.read(Json.line(SAMPLE)), Json.read(Json.indented(SAMPLE, true)), "the same value either way");
    }

    @Test
    void shouldGiveTheTreeOfWhatItWrites() throws IOException {
        JsonNode tree = Json.tree(SAMPLE);
        assertEquals("a \"quoted\"\nline é", tree.get("text").asText());
        assertEquals(3, tree.get("n").asInt());
        assertTrue(tree.get("list").get(0).asBoolean());
    }

    @Test
    void shouldWriteNoPartialFieldsWhenEveryInstanceAnswered() throws IOException {
        JsonNode whole = Json.tree(g -> {
            g.writeStartObject();
            Json.missing(List.of(), g);
            g.writeEndObject();
        });
        assertEquals(0, whole.size(), whole.toString());
    }

    @Test
    void shouldNameEachMissingInstanceWithItsReasonAndPartitions() throws IOException {
        List<PeerClient.Missing> missing = List.of(
                new PeerClient.Missing("10.0.0.2:9400", "instance 10.0.0.2:9400 gave no answer within 500 ms", List.of("tokens-0", "tokens-3")),
                new PeerClient.Missing("10.0.0.3:9400", "refused", List.of()));
        JsonNode partial = Json.tree(g -> {
            g.writeStartObject();
            Json.missing(missing, g);
            g.writeEndObject();
        });
        assertTrue(partial.get("partial").asBoolean());
        JsonNode unreachable = partial.get("unreachable");
        assertEquals(2, unreachable.size());
        assertEquals("10.0.0.2:9400", unreachable.get(0).get("instance").asText());
        assertEquals("instance 10.0.0.2:9400 gave no answer within 500 ms", unreachable.get(0).get("reason").asText());
        assertEquals("tokens-3", unreachable.get(0).get("partitions").get(1).asText());
        assertEquals(0, unreachable.get(1).get("partitions").size());
    }

    @Test
    void shouldPassOnWhatTheBodyThrows() {
        IOException e = assertThrows(IOException.class, () -> Json.line(g -> {
            throw new IOException("body failed");
        }));
        assertEquals("body failed", e.getMessage());
    }
}
