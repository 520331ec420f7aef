package dev.canopy.topology;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import dev.canopy.core.report.ReportJson;
import dev.canopy.core.shift.ShiftDetector;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * A shift detector verdict as published on the alerts topic: {@link #toJson} writes it (the shift
 * processor), {@link #parse} reads it back (the API and /metrics), so the format is defined here once.
 */
public record ShiftVerdict(String model, String baseline, String candidate, String metric, String status, String direction,
                           double effect, double low, double high, long baselineRollouts, long candidateRollouts, long time) {

    private static final JsonFactory JSON = new JsonFactory();

    /**
     * The verdict JSON published on the alerts topic and kept in the shift results store.
     *
     * @param baselineRollouts  rollouts behind the baseline's statistics, or -1 to report the detector's size
     * @param candidateRollouts the same for the candidate
     */
    static byte[] toJson(String model, String baseline, String candidate, ShiftDetector.Result r, long now,
                         long baselineRollouts, long candidateRollouts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("model", model);
            g.writeStringField("baseline", baseline);
            g.writeStringField("candidate", candidate);
            g.writeStringField("metric", r.metric().code());
            g.writeStringField("status", r.status().code());
            if (r.direction() == null) {
                g.writeNullField("direction");
            } else {
                g.writeStringField("direction", r.direction());
            }
            ReportJson.number(g, "effect", r.effect());
            ReportJson.number(g, "ci_low", r.low());
            ReportJson.number(g, "ci_high", r.high());
            ReportJson.number(g, "baseline_value", r.baseline());
            ReportJson.number(g, "candidate_value", r.candidate());
            g.writeObjectFieldStart("evidence");
            g.writeNumberField("baseline_rollouts", r.sizesAreFisherWeights() && baselineRollouts >= 0 ? baselineRollouts : r.baselineSize());
            g.writeNumberField("candidate_rollouts", r.sizesAreFisherWeights() && candidateRollouts >= 0 ? candidateRollouts : r.candidateSize());
            if (r.sizesAreFisherWeights()) {
                g.writeNumberField("baseline_fisher_weight", r.baselineSize());
                g.writeNumberField("candidate_fisher_weight", r.candidateSize());
            }
            g.writeNumberField("alpha", r.alpha());
            g.writeStringField("method", "asymptotic confidence sequences, Bonferroni over metrics and releases");
            g.writeEndObject();
            g.writeNumberField("time", now);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /**
     * Reads a verdict written by {@link #toJson}.
     *
     * @throws IllegalArgumentException naming what is wrong, if the bytes are not a JSON object or lack one of
     *                                  model, baseline, candidate, metric, status
     */
    public static ShiftVerdict parse(byte[] json) {
        if (json == null) {
            throw new IllegalArgumentException("shift verdict: no value");
        }
        String model = null;
        String baseline = null;
        String candidate = null;
        String metric = null;
        String status = null;
        String direction = null;
        double effect = Double.NaN;
        double low = Double.NaN;
        double high = Double.NaN;
        long bn = 0;
        long cn = 0;
        long time = 0;
        try (JsonParser p = JSON.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException("shift verdict: not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                switch (name) {
                    case "model" -> model = text(p, t);
                    case "baseline" -> baseline = text(p, t);
                    case "candidate" -> candidate = text(p, t);
                    case "metric" -> metric = text(p, t);
                    case "status" -> status = text(p, t);
                    case "direction" -> direction = text(p, t);
                    case "effect" -> effect = t == JsonToken.VALUE_NULL ? Double.NaN : p.getDoubleValue();
                    case "ci_low" -> low = t == JsonToken.VALUE_NULL ? Double.NaN : p.getDoubleValue();
                    case "ci_high" -> high = t == JsonToken.VALUE_NULL ? Double.NaN : p.getDoubleValue();
                    case "time" -> time = p.getLongValue();
                    case "evidence" -> {
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String e = p.currentName();
                            p.nextToken();
                            if (e.equals("baseline_rollouts")) {
                                bn = p.getLongValue();
                            } else if (e.equals("candidate_rollouts")) {
                                cn = p.getLongValue();
                            } else {
                                p.skipChildren();
                            }
                        }
                    }
                    default -> p.skipChildren();
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("shift verdict: unreadable JSON: "
                    + (e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()), e);
        }
        require(model, "model");
        require(baseline, "baseline");
        require(candidate, "candidate");
        require(metric, "metric");
        require(status, "status");
        return new ShiftVerdict(model, baseline, candidate, metric, status, direction, effect, low, high, bn, cn, time);
    }

    private static String text(JsonParser p, JsonToken t) throws IOException {
        return t == JsonToken.VALUE_NULL ? null : p.getText();
    }

    private static void require(String value, String field) {
        if (value == null) {
            throw new IllegalArgumentException("shift verdict: missing \"" + field + "\"");
        }
    }
}
