package dev.canopy.connectors.events;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Writes contract-v1 token event records (docs/EVENTS.md) with Jackson's streaming generator.
 *
 * <p>Per-token form:
 * <pre>
 * {"model":"m","release":"r","rollout_id":"chatcmpl-1:0","prompt_id":"p","position":3,"logprob":-0.25,
 *  "top_logprobs":[-0.25,-1.87],"timestamp":1764000000000,"final":true,"finish_reason":"stop"}
 * </pre>
 * Absent values are omitted, never written as null: {@code prompt_id} when null, {@code logprob} and
 * {@code entropy} when NaN, {@code top_logprobs} and {@code text} when null, {@code timestamp} when
 * negative, {@code final}/{@code finish_reason} on non-final steps. Doubles are written in Java's
 * shortest round-tripping form, so a value read back is bit-identical to the one given.
 *
 * <p>The writer does not validate: {@link RolloutEmitter} only hands it steps it has checked. Stateless
 * and thread-safe.
 */
public final class EventWriter {

    private static final JsonFactory JSON = new JsonFactory();

    private EventWriter() {
    }

    /** One per-token record. */
    public static byte[] write(RolloutContext ctx, TokenEvent e) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(192 + (e.topLogprobs() == null ? 0 : 24 * e.topLogprobs().length));
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            header(g, ctx, e.rolloutId());
            stepFields(g, e);
            if (e.timestamp() >= 0) {
                g.writeNumberField("timestamp", e.timestamp());
            }
            if (e.isFinal()) {
                g.writeBooleanField("final", true);
                if (e.finishReason() != null) {
                    g.writeStringField("finish_reason", e.finishReason());
                }
            }
            g.writeEndObject();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return out.toByteArray();
    }

    /**
     * One chunk-form record holding {@code steps} (non-empty, all of rollout {@code rolloutId}). The
     * record's {@code timestamp} is the last step's, if any. {@code isFinal} means the highest position
     * among the steps is the rollout's last token.
     */
    public static byte[] writeChunk(RolloutContext ctx, String rolloutId, List<TokenEvent> steps, boolean isFinal,
                                    String finishReason) {
        if (steps.isEmpty()) {
            throw new IllegalArgumentException("a chunk needs at least one step");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(128 + 96 * steps.size());
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            header(g, ctx, rolloutId);
            g.writeArrayFieldStart("tokens");
            for (TokenEvent e : steps) {
                if (!e.rolloutId().equals(rolloutId)) {
                    throw new IllegalArgumentException("step of rollout " + e.rolloutId() + " in a chunk of " + rolloutId);
                }
                g.writeStartObject();
                stepFields(g, e);
                g.writeEndObject();
            }
            g.writeEndArray();
            long ts = steps.get(steps.size() - 1).timestamp();
            if (ts >= 0) {
                g.writeNumberField("timestamp", ts);
            }
            if (isFinal) {
                g.writeBooleanField("final", true);
                if (finishReason != null) {
                    g.writeStringField("finish_reason", finishReason);
                }
            }
            g.writeEndObject();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return out.toByteArray();
    }

    private static void header(JsonGenerator g, RolloutContext ctx, String rolloutId) throws IOException {
        g.writeStringField("model", ctx.model());
        g.writeStringField("release", ctx.release());
        g.writeStringField("rollout_id", rolloutId);
        if (ctx.promptId() != null) {
            g.writeStringField("prompt_id", ctx.promptId());
        }
    }

    private static void stepFields(JsonGenerator g, TokenEvent e) throws IOException {
        g.writeNumberField("position", e.position());
        if (!Double.isNaN(e.logprob())) {
            g.writeNumberField("logprob", e.logprob());
        }
        if (!Double.isNaN(e.entropy())) {
            g.writeNumberField("entropy", e.entropy());
        }
        if (e.topLogprobs() != null) {
            g.writeFieldName("top_logprobs");
            g.writeArray(e.topLogprobs(), 0, e.topLogprobs().length);
        }
        if (e.text() != null) {
            g.writeStringField("text", e.text());
        }
    }
}
