package dev.canopy.connectors;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The recorded payloads of src/test/resources/fixtures, and their wire forms: SSE built from the
 * recorded chunks, and transcriptions of recorded values into the documented layouts of servers that
 * have no recording here. Numbers keep the recording's exact decimal values (BigDecimal, written plain).
 */
public final class Recordings {

    /** Reads and writes numbers exactly as decimals. */
    public static final ObjectMapper EXACT = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
            .enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN)
            .build();
    private static final JsonNodeFactory F = EXACT.getNodeFactory();

    /** The streamed OpenAI-compatible chat recordings. */
    public static final List<String> OPENAI_FILES = List.of(
            "openai_chat_stream_gpt-4o-2024-11-20_top5.json",
            "162cb2a93bc8369ffd7679bd159c4062a591867037ae8394b578805a40dee7da.json",
            "19510c47c85d1b8bd022343b8ca94285c7a62f880609bed5044e396e5ad1aaba.json",
            "83e31bd4e7d6b5b51f968a121bd6d6f5103c6b31dec7e84b58dbba22b6f2d446.json",
            "87ed3224d4953e39517ec260de72d4142fa9190717c34e8dd5da0e16da5ed4c8.json");
    public static final String OPENAI_MAIN = OPENAI_FILES.get(0);
    public static final String VLLM = "vllm/pixtral-12b_chat_top5.json";
    public static final List<String> TGI_FILES = List.of("tgi/tgi_generate_details_bloom560m_all_params.json",
            "tgi/tgi_generate_details_flash_llama_simple.json");
    public static final String GLTR = "gltr/unicorn.json";

    private Recordings() {
    }

    public static byte[] bytes(String resource) {
        try (InputStream in = Recordings.class.getResourceAsStream("/fixtures/" + resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no fixture " + resource);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static JsonNode json(String resource) {
        try {
            return EXACT.readTree(bytes(resource));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static byte[] write(JsonNode n) {
        try {
            return EXACT.writeValueAsBytes(n);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ------------------------------------------------------------------ OpenAI chat recordings

    /** One streamed chat completion: the request and the chunks, in order. */
    public record OpenAiRecording(String file, JsonNode request, List<JsonNode> chunks) {

        /** The question asked (the single user message). */
        public String question() {
            return request.path("messages").get(0).path("content").asText();
        }

        /** The response id (normalised by the recorder). */
        public String id() {
            return chunks.get(0).path("id").asText();
        }

        /** Every logprobs.content entry of choice 0, in order: the expected steps. */
        public List<JsonNode> steps() {
            List<JsonNode> out = new ArrayList<>();
            for (JsonNode c : chunks) {
                for (JsonNode choice : c.path("choices")) {
                    JsonNode content = choice.path("logprobs").path("content");
                    if (content.isArray()) {
                        content.forEach(out::add);
                    }
                }
            }
            return out;
        }

        public String finishReason() {
            for (JsonNode c : chunks) {
                for (JsonNode choice : c.path("choices")) {
                    if (choice.path("finish_reason").isTextual()) {
                        return choice.get("finish_reason").asText();
                    }
                }
            }
            return null;
        }

        /** The streamed body as a server sends it: one {@code data:} line per chunk, then {@code [DONE]}. */
        public byte[] sse() {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (JsonNode c : chunks) {
                out.writeBytes("data: ".getBytes(StandardCharsets.US_ASCII));
                out.writeBytes(write(c));
                out.writeBytes("\n\n".getBytes(StandardCharsets.US_ASCII));
            }
            out.writeBytes("data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII));
            return out.toByteArray();
        }

        /** The same SSE body as the server would send it with logprobs off: every choices[].logprobs null. */
        public byte[] sseWithoutLogprobs() {
            List<JsonNode> nulled = new ArrayList<>();
            for (JsonNode c : chunks) {
                JsonNode copy = c.deepCopy();
                for (JsonNode choice : copy.path("choices")) {
                    if (choice.has("logprobs")) {
                        ((ObjectNode) choice).putNull("logprobs");
                    }
                }
                nulled.add(copy);
            }
            return new OpenAiRecording(file, request, nulled).sse();
        }
    }

    public static OpenAiRecording openAi(String file) {
        JsonNode root = json("openai/" + file);
        List<JsonNode> chunks = new ArrayList<>();
        JsonNode request;
        if (root.has("chunks")) {
            request = root.get("request");
            root.get("chunks").forEach(chunks::add);
        } else {
            request = root.path("request").path("body");
            for (JsonNode item : root.path("response").path("body")) {
                chunks.add(item.get("__data__"));
            }
        }
        return new OpenAiRecording(file, request, chunks);
    }

    public static List<OpenAiRecording> allOpenAi() {
        List<OpenAiRecording> out = new ArrayList<>();
        for (String f : OPENAI_FILES) {
            out.add(openAi(f));
        }
        return out;
    }

    /**
     * A non-streamed {@code chat.completion} body assembled from streamed recordings (transcription):
     * choice i holds recording i's tokens and logprobs; id, model and usage are the first recording's.
     */
    public static byte[] chatCompletion(List<OpenAiRecording> recs, boolean withLogprobs) {
        OpenAiRecording first = recs.get(0);
        ObjectNode body = F.objectNode();
        body.put("id", first.id());
        body.put("object", "chat.completion");
        body.put("created", 0);
        body.put("model", lastText(first.chunks(), "model"));
        ArrayNode choices = body.putArray("choices");
        for (int i = 0; i < recs.size(); i++) {
            OpenAiRecording r = recs.get(i);
            StringBuilder text = new StringBuilder();
            for (JsonNode c : r.chunks()) {
                for (JsonNode ch : c.path("choices")) {
                    if (ch.path("delta").path("content").isTextual()) {
                        text.append(ch.path("delta").get("content").asText());
                    }
                }
            }
            ObjectNode choice = choices.addObject();
            choice.put("index", i);
            ObjectNode message = choice.putObject("message");
            message.put("role", "assistant");
            message.put("content", text.toString());
            message.putNull("refusal");
            if (withLogprobs) {
                ObjectNode lp = choice.putObject("logprobs");
                ArrayNode content = lp.putArray("content");
                r.steps().forEach(content::add);
                lp.putNull("refusal");
            } else {
                choice.putNull("logprobs");
            }
            choice.put("finish_reason", r.finishReason());
        }
        for (JsonNode c : first.chunks()) {
            if (c.path("usage").isObject()) {
                body.set("usage", c.get("usage"));
            }
        }
        body.put("system_fingerprint", lastText(first.chunks(), "system_fingerprint"));
        return write(body);
    }

    private static String lastText(List<JsonNode> chunks, String field) {
        String v = null;
        for (JsonNode c : chunks) {
            if (c.path(field).isTextual() && !c.get(field).asText().isEmpty()) {
                v = c.get(field).asText();
            }
        }
        return v;
    }

    /** Recorded Ollama /api/chat NDJSON does not exist here: transcription of a chat recording into Ollama's layout. */
    public static byte[] ollamaChatNdjson(OpenAiRecording r) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (JsonNode c : r.chunks()) {
            for (JsonNode ch : c.path("choices")) {
                JsonNode content = ch.path("logprobs").path("content");
                if (!content.isArray() || content.isEmpty()) {
                    continue;
                }
                ObjectNode line = F.objectNode();
                line.put("model", "gpt-4o");
                line.put("created_at", "2025-11-20T10:00:00.000000Z");
                ObjectNode msg = line.putObject("message");
                msg.put("role", "assistant");
                msg.put("content", ch.path("delta").path("content").asText());
                line.put("done", false);
                ArrayNode lps = line.putArray("logprobs");
                for (JsonNode e : content) {
                    ObjectNode o = lps.addObject();
                    o.set("token", e.get("token"));
                    o.set("logprob", e.get("logprob"));
                    o.set("bytes", e.get("bytes"));
                    ArrayNode top = o.putArray("top_logprobs");
                    for (JsonNode t : e.get("top_logprobs")) {
                        top.addObject().setAll(Map.of("token", t.get("token"), "logprob", t.get("logprob"), "bytes", t.get("bytes")));
                    }
                }
                out.writeBytes(write(line));
                out.write('\n');
            }
        }
        ObjectNode done = F.objectNode();
        done.put("model", "gpt-4o");
        done.put("created_at", "2025-11-20T10:00:01.000000Z");
        done.putObject("message").put("role", "assistant").put("content", "");
        done.put("done", true);
        done.put("done_reason", r.finishReason());
        done.put("eval_count", r.steps().size());
        out.writeBytes(write(done));
        out.write('\n');
        return out.toByteArray();
    }

    // ------------------------------------------------------------------ vLLM engine output

    /** The three recorded outputs. */
    public static JsonNode vllmOutputs() {
        return json(VLLM);
    }

    /** Candidate logprobs of step t of a vLLM output, in payload order. */
    public static double[] vllmTop(JsonNode output, int t) {
        JsonNode dict = output.get(2).get(t);
        double[] out = new double[dict.size()];
        int j = 0;
        for (Iterator<JsonNode> it = dict.elements(); it.hasNext(); ) {
            out[j++] = it.next().get("logprob").doubleValue();
        }
        return out;
    }

    /** The sampled token's logprob at step t of a vLLM output. */
    public static double vllmLogprob(JsonNode output, int t) {
        return output.get(2).get(t).get(output.get(0).get(t).asText()).get("logprob").doubleValue();
    }

    /** Transcription of a vLLM output into a legacy /v1/completions body (vLLM's own layout for it). */
    public static byte[] legacyCompletion(JsonNode output, String id, boolean stream) {
        JsonNode ids = output.get(0);
        JsonNode steps = output.get(2);
        if (!stream) {
            ObjectNode body = F.objectNode();
            body.put("id", id);
            body.put("object", "text_completion");
            body.put("created", 0);
            body.put("model", "mistralai/Pixtral-12B-2409");
            ObjectNode choice = body.putArray("choices").addObject();
            choice.put("index", 0);
            choice.put("text", output.get(1).asText());
            ObjectNode lp = choice.putObject("logprobs");
            ArrayNode offsets = lp.putArray("text_offset");
            ArrayNode lps = lp.putArray("token_logprobs");
            ArrayNode tokens = lp.putArray("tokens");
            ArrayNode tops = lp.putArray("top_logprobs");
            int offset = 0;
            for (int t = 0; t < ids.size(); t++) {
                legacyStep(ids.get(t).asText(), steps.get(t), tokens, lps, tops);
                offsets.add(offset);
                offset += tokens.get(t).asText().length();
            }
            choice.put("finish_reason", "stop");
            choice.putNull("stop_reason");
            return write(body);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int t = 0; t < ids.size(); t++) {
            ObjectNode chunk = F.objectNode();
            chunk.put("id", id);
            chunk.put("object", "text_completion");
            chunk.put("created", 0);
            chunk.put("model", "mistralai/Pixtral-12B-2409");
            ObjectNode choice = chunk.putArray("choices").addObject();
            choice.put("index", 0);
            ObjectNode lp = F.objectNode();
            ArrayNode tokens = lp.putArray("tokens");
            ArrayNode lps = lp.putArray("token_logprobs");
            ArrayNode tops = lp.putArray("top_logprobs");
            legacyStep(ids.get(t).asText(), steps.get(t), tokens, lps, tops);
            choice.put("text", tokens.get(0).asText());
            choice.set("logprobs", lp);
            if (t == ids.size() - 1) {
                choice.put("finish_reason", "stop");
            } else {
                choice.putNull("finish_reason");
            }
            out.writeBytes(("data: " + new String(write(chunk), StandardCharsets.UTF_8) + "\n\n").getBytes(StandardCharsets.UTF_8));
        }
        out.writeBytes("data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    private static void legacyStep(String sampled, JsonNode dict, ArrayNode tokens, ArrayNode lps, ArrayNode tops) {
        tokens.add(dict.get(sampled).get("decoded_token").asText());
        lps.add(dict.get(sampled).get("logprob"));
        ObjectNode top = tops.addObject();
        for (Map.Entry<String, JsonNode> e : dict.properties()) {
            top.set(e.getValue().get("decoded_token").asText(), e.getValue().get("logprob"));
        }
    }

    /** Transcription of a vLLM output into llama.cpp /completion with n_probs (logprob form). */
    public static byte[] llamaCppCompletion(JsonNode output, String stopType, boolean stream) {
        JsonNode ids = output.get(0);
        JsonNode steps = output.get(2);
        List<ObjectNode> entries = new ArrayList<>();
        for (int t = 0; t < ids.size(); t++) {
            String sampled = ids.get(t).asText();
            JsonNode dict = steps.get(t);
            ObjectNode e = F.objectNode();
            e.put("id", ids.get(t).asInt());
            e.put("token", dict.get(sampled).get("decoded_token").asText());
            e.set("bytes", bytesOf(dict.get(sampled).get("decoded_token").asText()));
            e.set("logprob", dict.get(sampled).get("logprob"));
            ArrayNode top = e.putArray("top_logprobs");
            for (Map.Entry<String, JsonNode> c : dict.properties()) {
                ObjectNode o = top.addObject();
                o.put("id", Integer.parseInt(c.getKey()));
                o.put("token", c.getValue().get("decoded_token").asText());
                o.set("bytes", bytesOf(c.getValue().get("decoded_token").asText()));
                o.set("logprob", c.getValue().get("logprob"));
            }
            entries.add(e);
        }
        return llamaCpp(entries, output.get(1).asText(), stopType, stream);
    }

    /** Transcription of the GLTR recording's probabilities into llama.cpp's post_sampling_probs form. */
    public static byte[] llamaCppProbs(JsonNode gltr, String stopType) {
        JsonNode r = gltr.get("result");
        List<ObjectNode> entries = new ArrayList<>();
        for (int t = 0; t < r.get("pred_topk").size(); t++) {
            ObjectNode e = F.objectNode();
            String tok = r.get("bpe_strings").get(t + 1).asText();
            e.put("id", t);
            e.put("token", tok);
            e.set("bytes", bytesOf(tok));
            e.set("prob", r.get("real_topk").get(t).get(1));
            ArrayNode top = e.putArray("top_probs");
            for (JsonNode c : r.get("pred_topk").get(t)) {
                ObjectNode o = top.addObject();
                o.put("id", 0);
                o.set("token", c.get(0));
                o.set("bytes", bytesOf(c.get(0).asText()));
                o.set("prob", c.get(1));
            }
            entries.add(e);
        }
        return llamaCpp(entries, "", stopType, false);
    }

    private static byte[] llamaCpp(List<ObjectNode> entries, String content, String stopType, boolean stream) {
        if (!stream) {
            ObjectNode body = F.objectNode();
            body.put("index", 0);
            body.put("content", content);
            body.putArray("tokens");
            body.put("id_slot", 0);
            body.put("stop", true);
            body.put("model", "gpt-3.5-turbo");
            body.put("tokens_predicted", entries.size());
            body.put("stop_type", stopType);
            body.put("stopping_word", "");
            ArrayNode probs = body.putArray("completion_probabilities");
            entries.forEach(probs::add);
            return write(body);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (ObjectNode e : entries) {
            ObjectNode ev = F.objectNode();
            ev.put("index", 0);
            ev.set("content", e.get("token"));
            ev.putArray("tokens");
            ev.put("stop", false);
            ev.put("id_slot", -1);
            ev.putArray("completion_probabilities").add(e);
            out.writeBytes(("data: " + new String(write(ev), StandardCharsets.UTF_8) + "\n\n").getBytes(StandardCharsets.UTF_8));
        }
        ObjectNode last = F.objectNode();
        last.put("index", 0);
        last.put("content", "");
        last.put("stop", true);
        last.put("stop_type", stopType);
        last.put("tokens_predicted", entries.size());
        out.writeBytes(("data: " + new String(write(last), StandardCharsets.UTF_8) + "\n\n").getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    private static ArrayNode bytesOf(String s) {
        ArrayNode a = F.arrayNode();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            a.add(b & 0xff);
        }
        return a;
    }

    // ------------------------------------------------------------------ TGI

    /** Transcription of a recorded /generate response into /generate_stream SSE events. */
    public static byte[] tgiStream(JsonNode generate) {
        JsonNode details = generate.get("details");
        JsonNode tokens = details.get("tokens");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int t = 0; t < tokens.size(); t++) {
            ObjectNode ev = F.objectNode();
            ev.put("index", t + 1);
            ev.set("token", tokens.get(t));
            ev.putArray("top_tokens");
            if (t == tokens.size() - 1) {
                ev.set("generated_text", generate.get("generated_text"));
                ObjectNode d = ev.putObject("details");
                d.set("finish_reason", details.get("finish_reason"));
                d.set("generated_tokens", details.get("generated_tokens"));
                d.set("seed", details.get("seed"));
            } else {
                ev.putNull("generated_text");
                ev.putNull("details");
            }
            out.writeBytes(("data:" + new String(write(ev), StandardCharsets.UTF_8) + "\n\n").getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }
}
