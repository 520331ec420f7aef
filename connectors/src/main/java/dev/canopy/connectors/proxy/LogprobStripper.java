package dev.canopy.connectors.proxy;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.json.JsonReadFeature;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Removes the logprobs the proxy asked for from a response the client did not ask them for, by
 * splicing bytes: in a JSON object, the value of every {@code choices[i].logprobs} that is an object or
 * an array is replaced by {@code null}, which is what OpenAI-compatible servers send when logprobs are
 * off. Every other byte stays as the server wrote it (field order, spacing, number formatting,
 * escapes). Works on non-streamed bodies and on single SSE data payloads alike. Stateless, thread-safe.
 */
final class LogprobStripper {

    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(256 << 20).build())
            .build();
    private static final byte[] NULL = {'n', 'u', 'l', 'l'};

    private LogprobStripper() {
    }

    /**
     * The payload with {@code choices[].logprobs} nulled, or {@code null} when there is nothing to change
     * or the bytes are not a readable JSON object (the caller then relays them unchanged).
     */
    static byte[] strip(byte[] b, int off, int len) {
        List<long[]> ranges = new ArrayList<>(2);
        try (JsonParser p = JSON.createParser(b, off, len)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                if ("choices".equals(name) && t == JsonToken.START_ARRAY) {
                    JsonToken e;
                    while ((e = p.nextToken()) != JsonToken.END_ARRAY && e != null) {
                        if (e == JsonToken.START_OBJECT) {
                            choice(p, ranges);
                        } else {
                            p.skipChildren();
                        }
                    }
                } else {
                    p.skipChildren();
                }
            }
        } catch (IOException e) {
            return null;
        }
        if (ranges.isEmpty()) {
            return null;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(len);
        int pos = off;
        for (long[] r : ranges) {
            int start = off + (int) r[0];
            int end = off + (int) r[1];
            out.write(b, pos, start - pos);
            out.write(NULL, 0, NULL.length);
            pos = end;
        }
        out.write(b, pos, off + len - pos);
        return out.toByteArray();
    }

    private static void choice(JsonParser p, List<long[]> ranges) throws IOException {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken v = p.nextToken();
            if ("logprobs".equals(field) && (v == JsonToken.START_OBJECT || v == JsonToken.START_ARRAY)) {
                long start = p.currentTokenLocation().getByteOffset();
                p.skipChildren();
                long end = p.currentLocation().getByteOffset();
                ranges.add(new long[]{start, end});
            } else {
                p.skipChildren();
            }
        }
    }
}
