package dev.canopy.connectors.probe;

import com.fasterxml.jackson.databind.JsonNode;
import dev.canopy.connectors.adapters.Json;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A fixed list of probe prompts, read from a file in one of two formats (chosen by the first
 * non-blank, non-comment line):
 * <ul>
 *   <li>JSONL, one object per line: {@code {"id": "math-03", "category": "math", "prompt": "..."}} or
 *       with {@code "messages": [{"role": "user", "content": "..."}]} instead of {@code prompt};
 *       optional {@code "max_tokens"}. Without an {@code id}, the prober uses the hash of what it sends
 *       (see {@link ProbePrompt#id()}).</li>
 *   <li>plain text, one prompt per line, without ids.</li>
 * </ul>
 * In both, blank lines and lines starting with {@code #} are skipped (a prompt cannot start with
 * {@code #}). Ids, and prompts without ids, must be unique. Errors name the file and line. The set shipped with Canopy is {@link #defaultSet()}.
 */
public final class ProbeSet {

    /** Classpath location of the default probe set. */
    public static final String DEFAULT_RESOURCE = "/probes/default.jsonl";

    private final List<ProbePrompt> prompts;

    public ProbeSet(List<ProbePrompt> prompts) {
        if (prompts.isEmpty()) {
            throw new IllegalArgumentException("a probe set needs at least one prompt");
        }
        Set<String> ids = new HashSet<>();
        for (ProbePrompt p : prompts) {
            String key = p.id() != null ? "id " + p.id() : p.prompt() != null ? "prompt " + p.prompt() : "messages " + p.messages();
            if (!ids.add(key)) {
                throw new IllegalArgumentException(p.id() != null ? "probe id '" + p.id() + "' appears twice"
                        : "a prompt without id appears twice (" + key.substring(0, Math.min(key.length(), 60)) + ")");
            }
        }
        this.prompts = List.copyOf(prompts);
    }

    public List<ProbePrompt> prompts() {
        return prompts;
    }

    public int size() {
        return prompts.size();
    }

    /** The probe set shipped in this module ({@code probes/default.jsonl}). */
    public static ProbeSet defaultSet() {
        try (InputStream in = ProbeSet.class.getResourceAsStream(DEFAULT_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("default probe set " + DEFAULT_RESOURCE + " is missing from the classpath");
            }
            return read(in, "default probe set");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads a probe file. @throws IllegalArgumentException naming the file and line on a format error */
    public static ProbeSet read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file.toString());
        }
    }

    /** Reads a probe set from a stream; {@code name} is used in error messages. */
    public static ProbeSet read(InputStream in, String name) throws IOException {
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        List<ProbePrompt> out = new ArrayList<>();
        Boolean jsonl = null;
        String line;
        int no = 0;
        while ((line = r.readLine()) != null) {
            no++;
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("#")) {
                continue;
            }
            if (jsonl == null) {
                jsonl = t.startsWith("{");
            }
            out.add(jsonl ? jsonLine(t, name, no) : new ProbePrompt(null, null, line, null, null));
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(name + ": no prompts");
        }
        try {
            return new ProbeSet(out);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + ": " + e.getMessage(), e);
        }
    }

    private static ProbePrompt jsonLine(String t, String name, int no) {
        byte[] bytes = t.getBytes(StandardCharsets.UTF_8);
        JsonNode n = Json.read(bytes);
        String where = name + " line " + no + ": ";
        if (n == null || !n.isObject()) {
            throw new IllegalArgumentException(where + "not a JSON object");
        }
        JsonNode prompt = n.get("prompt");
        JsonNode messages = n.get("messages");
        if ((prompt == null || !prompt.isTextual() || prompt.textValue().isEmpty()) == (messages == null || !messages.isArray() || messages.isEmpty())) {
            throw new IllegalArgumentException(where + "needs exactly one of a non-empty \"prompt\" string or a non-empty \"messages\" array");
        }
        JsonNode idNode = n.get("id");
        String id;
        if (idNode == null || idNode.isNull()) {
            id = null;
        } else if (idNode.isTextual() && !idNode.textValue().isBlank()) {
            id = idNode.textValue();
        } else {
            throw new IllegalArgumentException(where + "\"id\" must be a non-empty string");
        }
        JsonNode mt = n.get("max_tokens");
        Integer maxTokens = null;
        if (mt != null && !mt.isNull()) {
            if (!mt.canConvertToInt() || mt.intValue() < 1) {
                throw new IllegalArgumentException(where + "\"max_tokens\" must be a positive integer");
            }
            maxTokens = mt.intValue();
        }
        JsonNode cat = n.get("category");
        return new ProbePrompt(id, cat != null && cat.isTextual() ? cat.textValue() : null,
                prompt != null && prompt.isTextual() ? prompt.textValue() : null,
                messages != null && messages.isArray() ? messages : null, maxTokens);
    }
}
