package dev.canopy.connectors.adapters;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SseParserTest {

    private static List<String> parse(String wire, int piece) {
        List<String> out = new ArrayList<>();
        SseParser p = new SseParser((b, off, len) -> out.add(new String(b, off, len, StandardCharsets.UTF_8)));
        byte[] bytes = wire.getBytes(StandardCharsets.UTF_8);
        for (int off = 0; off < bytes.length; off += piece) {
            p.feed(bytes, off, Math.min(piece, bytes.length - off));
        }
        p.finish();
        return out;
    }

    @Test
    void shouldDeliverEachEventsDataWhateverTheLineEndsAndPieces() {
        String wire = ": keep-alive\n\ndata: {\"a\":\"é\"}\n\nevent: x\ndata:{\"b\":1}\r\n\r\ndata: one\ndata: two\r\rdata: [DONE]";
        for (int piece : new int[]{1, 2, 3, 1000}) {
            assertEquals(List.of("{\"a\":\"é\"}", "{\"b\":1}", "one\ntwo", "[DONE]"), parse(wire, piece), "piece " + piece);
        }
        byte[] done = "[DONE]".getBytes(StandardCharsets.US_ASCII);
        assertTrue(SseParser.isDone(done, 0, done.length));
    }
}
