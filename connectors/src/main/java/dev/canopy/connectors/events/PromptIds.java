package dev.canopy.connectors.events;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;

/**
 * Prompt ids derived from the prompt itself: {@code "p-"} followed by the first 32 hex digits (128 bits)
 * of the SHA-256 of the prompt's canonical JSON. Canonical: object keys sorted (by UTF-16 code units),
 * no whitespace, strings as JSON escapes them, numbers as Jackson writes the parsed value. So the same
 * {@code messages} (chat) or {@code prompt} (legacy completions) gives the same id whatever the key
 * order or spacing of the request, and the proxy (with hashing on) and the prober agree on ids.
 *
 * <p>Only the prompt is hashed: not the model, sampling parameters, tools or response format. Two
 * requests that differ only there share a prompt id. Text is not normalised (Unicode forms, trailing
 * spaces), so prompts that differ in one byte get different ids.
 */
public final class PromptIds {

    private static final JsonFactory JSON = new JsonFactory();

    private PromptIds() {
    }

    /** The id of a chat request's {@code messages} or a completion request's {@code prompt} value. */
    public static String of(JsonNode prompt) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            canonical(prompt, g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return "p-" + HexFormat.of().formatHex(sha256(out.toByteArray()), 0, 16);
    }

    /** The id of a plain-text prompt (hashed as the JSON string it would be in a request). */
    public static String ofText(String prompt) {
        return of(com.fasterxml.jackson.databind.node.TextNode.valueOf(prompt));
    }

    private static void canonical(JsonNode n, JsonGenerator g) throws IOException {
        if (n.isObject()) {
            List<String> names = new ArrayList<>();
            for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
                names.add(it.next());
            }
            Collections.sort(names);
            g.writeStartObject();
            for (String name : names) {
                g.writeFieldName(name);
                canonical(n.get(name), g);
            }
            g.writeEndObject();
        } else if (n.isArray()) {
            g.writeStartArray();
            for (JsonNode e : n) {
                canonical(e, g);
            }
            g.writeEndArray();
        } else if (n.isTextual()) {
            g.writeString(n.textValue());
        } else if (n.isNumber()) {
            g.writeNumber(n.asText());
        } else if (n.isBoolean()) {
            g.writeBoolean(n.booleanValue());
        } else {
            g.writeNull();
        }
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }
}
