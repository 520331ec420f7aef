package dev.canopy.core.events;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Objects;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;

/**
 * The one writer of token event contract v1 (shared/EVENTS.md), the counterpart of {@link EventParser}:
 * every producer in the project (the simulator, the connectors) renders records here, so each field's name,
 * order and omission rule is defined once.
 *
 * <p>Field order: {@code model}, {@code release}, {@code rollout_id}, {@code prompt_id}; then the step
 * fields {@code position}, {@code logprob}, {@code entropy}, {@code top_logprobs}, {@code text} (per-token
 * form) or {@code "tokens":[...]} of them (chunk form); then {@code final}, {@code finish_reason},
 * {@code timestamp}. Absent values are omitted, never written as null: {@code prompt_id},
 * {@code top_logprobs}, {@code text} and {@code finish_reason} when null, {@code logprob} and
 * {@code entropy} when NaN, {@code timestamp} when negative, {@code final}/{@code finish_reason} on records
 * that do not hold the rollout's last position.
 *
 * <p>Doubles are written in the shortest decimal that reads back to the same bits. Records never contain
 * a line break, so they can be written as JSONL. The writer does not validate: producers hand it steps they
 * built or checked. Stateless and thread-safe.
 */
public final class EventWriter {

    /** Fast (Schubfach) double writing: shortest round-tripping decimal, several times faster than Double.toString. */
    private static final JsonFactory JSON = JsonFactory.builder().enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER).build();

    private EventWriter() {
    }

    /** The fields every record of one rollout repeats. {@code promptId} may be null (omitted). */
    public record Rollout(String model, String release, String rolloutId, String promptId) {
        public Rollout {
            Objects.requireNonNull(model, "model");
            Objects.requireNonNull(release, "release");
            Objects.requireNonNull(rolloutId, "rolloutId");
        }
    }

    /**
     * One step. NaN {@code logprob}/{@code entropy} and null {@code topLogprobs}/{@code text} are omitted.
     */
    public record Step(int position, double logprob, double entropy, double[] topLogprobs, String text) {
    }

    /**
     * Where a record stands in its rollout: {@code isFinal} when it holds the rollout's last position
     * (with {@code finishReason}, null to omit), and its {@code timestamp} in epoch ms (negative to omit).
     */
    public record Tail(boolean isFinal, String finishReason, long timestampMs) {
        /** A record that is not the rollout's last, with the given timestamp (negative to omit). */
        public static Tail notFinal(long timestampMs) {
            return new Tail(false, null, timestampMs);
        }
    }

    /** One per-token record. */
    public static byte[] token(Rollout rollout, Step step, Tail tail) {
        int top = step.topLogprobs() == null ? 0 : step.topLogprobs().length;
        ByteArrayOutputStream out = new ByteArrayOutputStream(192 + 24 * top);
        try (JsonGenerator g = JSON.createGenerator(out, JsonEncoding.UTF8)) {
            g.writeStartObject();
            header(g, rollout);
            stepFields(g, step);
            tail(g, tail);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /**
     * One chunk-form record holding {@code steps} in the given order.
     *
     * @throws IllegalArgumentException if steps is empty
     */
    public static byte[] chunk(Rollout rollout, List<Step> steps, Tail tail) {
        if (steps.isEmpty()) {
            throw new IllegalArgumentException("a chunk needs at least one step");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(128 + 96 * steps.size());
        try (JsonGenerator g = JSON.createGenerator(out, JsonEncoding.UTF8)) {
            g.writeStartObject();
            header(g, rollout);
            g.writeArrayFieldStart("tokens");
            for (Step s : steps) {
                g.writeStartObject();
                stepFields(g, s);
                g.writeEndObject();
            }
            g.writeEndArray();
            tail(g, tail);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static void header(JsonGenerator g, Rollout r) throws IOException {
        g.writeStringField("model", r.model());
        g.writeStringField("release", r.release());
        g.writeStringField("rollout_id", r.rolloutId());
        if (r.promptId() != null) {
            g.writeStringField("prompt_id", r.promptId());
        }
    }

    private static void stepFields(JsonGenerator g, Step s) throws IOException {
        g.writeNumberField("position", s.position());
        if (!Double.isNaN(s.logprob())) {
            g.writeNumberField("logprob", s.logprob());
        }
        if (!Double.isNaN(s.entropy())) {
            g.writeNumberField("entropy", s.entropy());
        }
        if (s.topLogprobs() != null) {
            g.writeFieldName("top_logprobs");
            g.writeArray(s.topLogprobs(), 0, s.topLogprobs().length);
        }
        if (s.text() != null) {
            g.writeStringField("text", s.text());
        }
    }

    private static void tail(JsonGenerator g, Tail t) throws IOException {
        if (t.isFinal()) {
            g.writeBooleanField("final", true);
            if (t.finishReason() != null) {
                g.writeStringField("finish_reason", t.finishReason());
            }
        }
        if (t.timestampMs() >= 0) {
            g.writeNumberField("timestamp", t.timestampMs());
        }
    }
}
