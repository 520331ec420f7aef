package dev.canopy.topology;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import java.io.IOException;

/** A shift detector verdict as published on the alerts topic, read back (for the API and /metrics). */
public record ShiftVerdict(String model, String baseline, String candidate, String metric, String status, String direction,
                           double effect, double low, double high, long baselineRollouts, long candidateRollouts, long time) {

    private static final JsonFactory JSON = new JsonFactory();

    public static ShiftVerdict parse(byte[] json) {
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
                return null;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                switch (name) {
                    case "model" -> model = p.getText();
                    case "baseline" -> baseline = p.getText();
                    case "candidate" -> candidate = p.getText();
                    case "metric" -> metric = p.getText();
                    case "status" -> status = p.getText();
                    case "direction" -> direction = t == JsonToken.VALUE_NULL ? null : p.getText();
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
            return null;
        }
        return new ShiftVerdict(model, baseline, candidate, metric, status, direction, effect, low, high, bn, cn, time);
    }
}
