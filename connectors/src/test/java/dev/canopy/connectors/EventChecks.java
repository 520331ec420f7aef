package dev.canopy.connectors;

import com.fasterxml.jackson.databind.JsonNode;
import dev.canopy.connectors.adapters.Json;
import dev.canopy.connectors.events.CollectingSink;
import dev.canopy.core.assembly.CompletedRollout;
import dev.canopy.core.events.EventParser;
import dev.canopy.core.events.ParseResult;
import dev.canopy.core.replay.ReplayEngine;
import dev.canopy.core.report.ReportJson;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Checks on emitted events shared by the tests: contract acceptance, positions, replay, independent entropies. */
public final class EventChecks {

    private EventChecks() {
    }

    /** One emitted record, read back. */
    public record Event(String key, JsonNode json) {
        public String rolloutId() {
            return json.get("rollout_id").asText();
        }

        public int position() {
            return json.get("position").asInt();
        }

        public double logprob() {
            return json.get("logprob").doubleValue();
        }

        public boolean hasLogprob() {
            return json.has("logprob");
        }

        public double[] top() {
            JsonNode a = json.get("top_logprobs");
            if (a == null) {
                return null;
            }
            double[] out = new double[a.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = a.get(i).doubleValue();
            }
            return out;
        }

        public boolean isFinal() {
            return json.path("final").asBoolean(false);
        }

        public String finishReason() {
            return json.has("finish_reason") ? json.get("finish_reason").asText() : null;
        }
    }

    /** Reads every record back; fails unless EventParser accepts each and the key is the rollout id. */
    public static List<Event> accepted(List<CollectingSink.Record> records) {
        EventParser parser = new EventParser();
        List<Event> out = new ArrayList<>();
        for (CollectingSink.Record r : records) {
            ParseResult p = parser.parse(r.value());
            if (!p.isAccepted()) {
                fail("EventParser rejected " + r.json() + ": " + p.reason() + " " + p.detail());
            }
            JsonNode n = Json.read(r.value());
            assertEquals(n.get("rollout_id").asText(), r.key(), "record key is the rollout id");
            out.add(new Event(r.key(), n));
        }
        return out;
    }

    /** The events grouped by rollout, in emission order. */
    public static Map<String, List<Event>> byRollout(List<Event> events) {
        Map<String, List<Event>> m = new LinkedHashMap<>();
        for (Event e : events) {
            m.computeIfAbsent(e.rolloutId(), k -> new ArrayList<>()).add(e);
        }
        return m;
    }

    /** Positions 0..N-1 in order, final only on the last, with {@code finish}. */
    public static void assertCompleteRollout(List<Event> events, int n, String finish) {
        assertEquals(n, events.size(), "steps");
        for (int i = 0; i < n; i++) {
            assertEquals(i, events.get(i).position(), "position");
            assertEquals(i == n - 1, events.get(i).isFinal(), "final only on the last step");
        }
        assertEquals(finish, events.get(n - 1).finishReason(), "finish_reason");
    }

    /** The rollouts the monitor's replay completes from these records. */
    public static Map<String, CompletedRollout> replay(List<byte[]> records) {
        Map<String, CompletedRollout> out = new LinkedHashMap<>();
        ReplayEngine engine = new ReplayEngine(ReplayEngine.Options.defaults(), r -> out.put(r.rolloutId(), r));
        for (byte[] r : records) {
            engine.accept(r, 0, r.length);
        }
        engine.finish();
        return out;
    }

    /** The monitor's report (JSON) over these records. */
    public static String report(List<byte[]> records) {
        ReplayEngine engine = new ReplayEngine(ReplayEngine.Options.defaults());
        for (byte[] r : records) {
            engine.accept(r, 0, r.length);
        }
        return ReportJson.toJson(engine.finish());
    }

    public static List<byte[]> values(CollectingSink sink) {
        List<byte[]> out = new ArrayList<>();
        sink.records().forEach(r -> out.add(r.value()));
        return out;
    }

    /**
     * Renormalised top-k entropy, computed independently of the core module: with m = max l,
     * Z = sum exp(l - m) and q = exp(l - m) / Z, H = -sum q log q = log Z - sum exp(l - m) (l - m) / Z.
     * Non-finite entries (probability zero) are skipped.
     */
    public static double topKEntropy(double[] logprobs) {
        double m = Double.NEGATIVE_INFINITY;
        for (double l : logprobs) {
            if (Double.isFinite(l)) {
                m = Math.max(m, l);
            }
        }
        double z = 0;
        for (double l : logprobs) {
            if (Double.isFinite(l)) {
                z += Math.exp(l - m);
            }
        }
        double weighted = 0;
        for (double l : logprobs) {
            if (Double.isFinite(l)) {
                weighted += Math.exp(l - m) * (l - m);
            }
        }
        return Math.log(z) - weighted / z;
    }

    public static void assertClose(double expected, double actual, String what) {
        double tol = 1e-12 * Math.max(1.0, Math.abs(expected));
        assertTrue(Math.abs(expected - actual) <= tol, what + ": expected " + expected + " got " + actual);
    }
}
