package dev.canopy.simulator;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** A test-side, independent reading of contract v1 (shared/EVENTS.md): null when valid, else the reason. */
final class ContractCheck {

    static final ObjectMapper MAPPER = new ObjectMapper();

    private ContractCheck() {
    }

    static JsonNode parse(byte[] value) {
        try {
            return MAPPER.readTree(value);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + new String(value, StandardCharsets.UTF_8), e);
        }
    }

    static String violation(byte[] value) {
        JsonNode n;
        try {
            n = MAPPER.readTree(value);
        } catch (IOException e) {
            return "not JSON";
        }
        if (n == null || !n.isObject()) {
            return "not an object";
        }
        for (String f : new String[] {"model", "release", "rollout_id"}) {
            JsonNode x = n.get(f);
            if (x == null || !x.isTextual() || x.asText().isEmpty()) {
                return f + " missing, empty or not a string";
            }
        }
        if (n.has("prompt_id") && !n.get("prompt_id").isTextual()) {
            return "prompt_id not a string";
        }
        if (n.has("final") && !n.get("final").isBoolean()) {
            return "final not a boolean";
        }
        if (n.has("timestamp") && !n.get("timestamp").isIntegralNumber()) {
            return "timestamp not an integer";
        }
        if (n.has("tokens")) {
            JsonNode tokens = n.get("tokens");
            if (!tokens.isArray() || tokens.isEmpty()) {
                return "tokens not a non-empty array";
            }
            for (JsonNode step : tokens) {
                String v = step.isObject() ? stepViolation(step) : "step not an object";
                if (v != null) {
                    return "chunk step: " + v;
                }
            }
            return null;
        }
        return stepViolation(n);
    }

    private static String stepViolation(JsonNode s) {
        JsonNode pos = s.get("position");
        if (pos == null || !pos.isIntegralNumber() || pos.asLong() < 0) {
            return "position missing, not an integer or negative";
        }
        if (s.has("text") && !s.get("text").isTextual()) {
            return "text not a string";
        }
        boolean source = false;
        if (s.has("logprob")) {
            JsonNode l = s.get("logprob");
            if (!l.isNumber() || !Double.isFinite(l.asDouble()) || l.asDouble() > 1e-6) {
                return "logprob invalid";
            }
            source = true;
        }
        if (s.has("entropy")) {
            JsonNode e = s.get("entropy");
            if (!e.isNumber() || !Double.isFinite(e.asDouble()) || e.asDouble() < 0) {
                return "entropy invalid";
            }
            source = true;
        }
        if (s.has("top_logprobs")) {
            JsonNode t = s.get("top_logprobs");
            if (!t.isArray() || t.isEmpty() || t.size() > 1000) {
                return "top_logprobs empty, too long or not an array";
            }
            for (JsonNode x : t) {
                if (!x.isNumber() || x.asDouble() > 1e-6) {
                    return "top_logprobs entry invalid";
                }
            }
            source = true;
        }
        return source ? null : "no entropy source";
    }
}
