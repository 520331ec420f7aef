package dev.canopy.topology;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.canopy.core.assembly.CompletedRollout;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Serdes of {@link CompletedRollout}: a compact binary form for the internal repartition topic, and
 * the JSON form of the {@code canopy.rollouts} topic.
 */
final class RolloutSerde {

    private static final JsonFactory JSON = new JsonFactory();

    private RolloutSerde() {
    }

    static Serde<CompletedRollout> binary() {
        Serializer<CompletedRollout> ser = (topic, r) -> r == null ? null : toBytes(r);
        Deserializer<CompletedRollout> de = (topic, b) -> b == null ? null : fromBytes(b);
        return Serdes.serdeFrom(ser, de);
    }

    /** A rollout with its text (repartition topic of the semantic stage): the binary rollout, then the UTF-8 text. */
    static Serde<Finished> withText() {
        Serializer<Finished> ser = (topic, f) -> {
            if (f == null) {
                return null;
            }
            byte[] r = toBytes(f.rollout());
            byte[] t = f.text() == null ? new byte[0] : utf8(f.text());
            return ByteBuffer.allocate(4 + r.length + t.length).putInt(r.length).put(r).put(t).array();
        };
        Deserializer<Finished> de = (topic, b) -> {
            if (b == null) {
                return null;
            }
            ByteBuffer buf = ByteBuffer.wrap(b);
            int n = buf.getInt();
            CompletedRollout r = fromBytes(java.util.Arrays.copyOfRange(b, 4, 4 + n));
            return new Finished(r, new String(b, 4 + n, b.length - 4 - n, StandardCharsets.UTF_8));
        };
        return Serdes.serdeFrom(ser, de);
    }

    static byte[] toBytes(CompletedRollout r) {
        byte[][] s = {utf8(r.model()), utf8(r.release()), utf8(r.rolloutId()), utf8(r.promptId()),
                r.finishReason() == null ? null : utf8(r.finishReason())};
        int size = 1 + 4 * 5 + 4 + 8 * 2 + 4 * 3 + 8;
        for (byte[] b : s) {
            size += b == null ? 0 : b.length;
        }
        ByteBuffer buf = ByteBuffer.allocate(size);
        buf.put((byte) (r.abandoned() ? 1 : 0));
        for (byte[] b : s) {
            if (b == null) {
                buf.putInt(-1);
            } else {
                buf.putInt(b.length).put(b);
            }
        }
        buf.putInt(r.length()).putDouble(r.entropySum()).putDouble(r.entropyUpperSum());
        buf.putInt(r.exactSteps()).putInt(r.topkSteps()).putInt(r.surprisalSteps()).putLong(r.completedAt());
        return buf.array();
    }

    static CompletedRollout fromBytes(byte[] bytes) {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        boolean abandoned = buf.get() == 1;
        String[] s = new String[5];
        for (int i = 0; i < 5; i++) {
            int n = buf.getInt();
            if (n >= 0) {
                s[i] = new String(bytes, buf.position(), n, StandardCharsets.UTF_8);
                buf.position(buf.position() + n);
            }
        }
        return new CompletedRollout(s[0], s[1], s[2], s[3], buf.getInt(), buf.getDouble(), buf.getDouble(), s[4],
                buf.getInt(), buf.getInt(), buf.getInt(), buf.getLong(), abandoned);
    }

    /** The public JSON form of a completed rollout (topic canopy.rollouts). */
    static byte[] toJson(CompletedRollout r) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("model", r.model());
            g.writeStringField("release", r.release());
            g.writeStringField("rollout_id", r.rolloutId());
            if (r.promptId().isEmpty()) {
                g.writeNullField("prompt_id");
            } else {
                g.writeStringField("prompt_id", r.promptId());
            }
            g.writeNumberField("length", r.length());
            g.writeNumberField("entropy_sum", r.entropySum());
            g.writeNumberField("entropy_upper_sum", r.entropyUpperSum());
            g.writeNumberField("entropy_rate", r.entropyRate());
            if (r.finishReason() == null) {
                g.writeNullField("finish_reason");
            } else {
                g.writeStringField("finish_reason", r.finishReason());
            }
            g.writeObjectFieldStart("estimators");
            g.writeNumberField("exact", r.exactSteps());
            g.writeNumberField("topk", r.topkSteps());
            g.writeNumberField("surprisal", r.surprisalSteps());
            g.writeEndObject();
            g.writeNumberField("completed_at", r.completedAt());
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
