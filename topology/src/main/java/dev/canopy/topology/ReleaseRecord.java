package dev.canopy.topology;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * One record of the compacted releases topic, keyed {@code model@release}:
 * {@code {"model","release","deployed_at" (epoch ms),"baseline_release" (or null),"source":"announced"|"inferred"}}.
 * An announced record names the release's baseline explicitly; an inferred one is written by the
 * monitor when it first sees rollouts of a release nobody announced.
 */
public record ReleaseRecord(String model, String release, long deployedAt, String baselineRelease, String source) {

    private static final JsonFactory JSON = new JsonFactory();

    public String key() {
        return model + "@" + release;
    }

    /**
     * The record of this model and release in a store keyed {@code model@release}, or null. The key
     * alone is ambiguous when names hold '@' (model "a@b", release "c" and model "a", release "b@c"
     * share "a@b@c"), so a record is returned only when its own fields name this model and release:
     * one release's record never stands for another's.
     */
    public static ReleaseRecord lookup(java.util.function.Function<String, byte[]> store, String model, String release) {
        ReleaseRecord r = parse(store.apply(model + "@" + release));
        return r != null && r.model().equals(model) && r.release().equals(release) ? r : null;
    }

    public boolean announced() {
        return "announced".equals(source);
    }

    public byte[] toJson() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(160);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("model", model);
            g.writeStringField("release", release);
            g.writeNumberField("deployed_at", deployedAt);
            if (baselineRelease == null) {
                g.writeNullField("baseline_release");
            } else {
                g.writeStringField("baseline_release", baselineRelease);
            }
            g.writeStringField("source", source);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Parses a record; returns null for anything that is not a valid release record. */
    public static ReleaseRecord parse(byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        String model = null;
        String release = null;
        String baseline = null;
        String source = "announced";
        long deployedAt = -1;
        try (JsonParser p = JSON.createParser(bytes)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                switch (name) {
                    case "model" -> model = t == JsonToken.VALUE_STRING ? p.getText() : null;
                    case "release" -> release = t == JsonToken.VALUE_STRING ? p.getText() : null;
                    case "baseline_release" -> baseline = t == JsonToken.VALUE_STRING ? p.getText() : null;
                    case "source" -> source = t == JsonToken.VALUE_STRING ? p.getText() : source;
                    case "deployed_at" -> deployedAt = t == JsonToken.VALUE_NUMBER_INT ? p.getLongValue() : -1;
                    default -> p.skipChildren();
                }
            }
        } catch (IOException e) {
            return null;
        }
        if (model == null || model.isEmpty() || release == null || release.isEmpty()) {
            return null;
        }
        return new ReleaseRecord(model, release, deployedAt, baseline == null || baseline.isEmpty() ? null : baseline, source);
    }
}
