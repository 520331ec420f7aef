package dev.canopy.connectors.adapters;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;

/**
 * The JSON reading shared by the adapters. Accepts {@code NaN} and {@code Infinity} literals (Python's
 * {@code json.dumps} writes them) so that they can be rejected with a reason instead of failing a whole
 * payload. Strings up to 256 MB (long generations in one body).
 */
public final class Json {

    static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(256 << 20).maxNestingDepth(200).build())
            .build();
    /** Shared, thread-safe mapper. */
    public static final ObjectMapper MAPPER = JsonMapper.builder(FACTORY).build();

    private Json() {
    }

    /** Parses one JSON document; null if it is not valid JSON. */
    public static JsonNode read(byte[] bytes, int offset, int length) {
        try {
            JsonNode n = MAPPER.readTree(bytes, offset, length);
            return n == null || n.isMissingNode() ? null : n;
        } catch (IOException e) {
            return null;
        }
    }

    public static JsonNode read(byte[] bytes) {
        return read(bytes, 0, bytes.length);
    }

    /** A numeric field's value: null when absent or JSON null; NaN when present but not a number. */
    static Double number(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return null;
        }
        if (node.isNumber()) {
            return node.doubleValue();
        }
        return Double.NaN;
    }

    /** The {@code field} of every element of {@code array} as numbers (non-numbers become NaN); null if not an array. */
    static double[] numbers(JsonNode array, String field) {
        if (array == null || !array.isArray()) {
            return null;
        }
        double[] out = new double[array.size()];
        for (int i = 0; i < out.length; i++) {
            Double d = number(array.get(i).get(field));
            out[i] = d == null ? Double.NaN : d;
        }
        return out;
    }

    /** A textual field, or null. */
    static String text(JsonNode node) {
        return node != null && node.isTextual() ? node.textValue() : null;
    }

    /** Whether {@code node} is a non-empty string. */
    static boolean nonEmptyText(JsonNode node) {
        return node != null && node.isTextual() && !node.textValue().isEmpty();
    }
}
