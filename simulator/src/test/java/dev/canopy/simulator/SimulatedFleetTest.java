package dev.canopy.simulator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

class SimulatedFleetTest {

    record Rec(byte[] key, byte[] value) {
    }

    static List<Rec> collect(SimulatedFleet fleet) {
        List<Rec> out = new ArrayList<>();
        fleet.emit((k, v) -> out.add(new Rec(k, v)));
        return out;
    }

    static SimulatedFleet.Builder twoStreams(long seed) {
        return SimulatedFleet.builder()
                .seed(seed)
                .stream("llama-sim", "base-1", ModelStyles.base(1, 16))
                .stream("llama-sim", "ft-2", ModelStyles.tuned(1, 16));
    }

    @Test
    void sameSeedGivesTheSameRecordsAndAnotherSeedDoesNot() {
        SimulatedFleet a = twoStreams(7).promptSet(4, 5).concurrency(8).shuffleWindow(6)
                .duplicateProbability(0.05).malformedFraction(0.03).nullKeyFraction(0.1)
                .estimators(EstimatorMode.EXACT, EstimatorMode.MIXED).timestamps(1_000, 3).build();
        SimulatedFleet b = twoStreams(7).promptSet(4, 5).concurrency(8).shuffleWindow(6)
                .duplicateProbability(0.05).malformedFraction(0.03).nullKeyFraction(0.1)
                .estimators(EstimatorMode.EXACT, EstimatorMode.MIXED).timestamps(1_000, 3).build();
        List<Rec> ra = collect(a);
        List<Rec> rb = collect(b);
        assertEquals(ra.size(), rb.size());
        for (int i = 0; i < ra.size(); i++) {
            assertArrayEquals(ra.get(i).key(), rb.get(i).key());
            assertArrayEquals(ra.get(i).value(), rb.get(i).value());
        }
        List<Rec> rc = collect(twoStreams(8).promptSet(4, 5).concurrency(8).shuffleWindow(6)
                .duplicateProbability(0.05).malformedFraction(0.03).nullKeyFraction(0.1)
                .estimators(EstimatorMode.EXACT, EstimatorMode.MIXED).timestamps(1_000, 3).build());
        boolean differs = rc.size() != ra.size();
        for (int i = 0; !differs && i < ra.size(); i++) {
            differs = !java.util.Arrays.equals(ra.get(i).value(), rc.get(i).value());
        }
        assertTrue(differs);
    }

    @Test
    void malformedRecordsMakeUpTheRequestedFractionAndAreAllContractViolations() {
        double f = 0.07;
        SimulatedFleet fleet = twoStreams(3).rollouts(300).concurrency(12).shuffleWindow(4)
                .duplicateProbability(0.02).malformedFraction(f).build();
        List<Rec> recs = new ArrayList<>();
        FleetStats stats = fleet.emit((k, v) -> recs.add(new Rec(k, v)));
        Map<String, Integer> reasons = new TreeMap<>();
        long invalid = 0;
        for (Rec r : recs) {
            String v = ContractCheck.violation(r.value());
            if (v != null) {
                invalid++;
                reasons.merge(v, 1, Integer::sum);
            }
        }
        System.out.printf("fleet: %s; malformed share %.4f; rejection reasons %s%n", stats, stats.malformedShare(), reasons);
        assertEquals(recs.size(), stats.records());
        assertEquals(stats.malformed(), invalid, "exactly the injected records are invalid");
        assertTrue(Math.abs(invalid - f * recs.size()) <= 2, invalid + " vs " + f * recs.size());
        assertTrue(reasons.size() >= 8, "a variety of violations: " + reasons);
    }

    @Test
    void everyMalformationIsRejectedByAnIndependentContractReading() {
        for (Malformation m : Malformation.values()) {
            byte[] value = m.render("m", "r", "bad-1");
            assertNotNull(ContractCheck.violation(value), m + " must violate the contract");
            for (byte b : value) {
                assertTrue(b != '\n', m + " is one line");
            }
        }
        assertTrue(new String(Malformation.NAN_LOGPROB.render("m", "r", "x"), StandardCharsets.UTF_8)
                .contains("\"logprob\":NaN"));
    }

    @Test
    void validRecordsReassembleIntoTheListenedRolloutsDespiteShufflingAndDuplicates() {
        Map<String, SimulatedRollout> truth = new LinkedHashMap<>();
        SimulatedFleet fleet = twoStreams(11).promptSet(3, 8).concurrency(10).shuffleWindow(16)
                .duplicateProbability(0.1).malformedFraction(0.02).chunkSize(1)
                .onRollout(r -> truth.put(r.rolloutId(), r)).build();
        Map<String, Map<Integer, JsonNode>> byRollout = new HashMap<>();
        Map<String, Integer> finalPosition = new HashMap<>();
        int outOfOrder = 0;
        int duplicates = 0;
        Map<String, Integer> lastSeen = new HashMap<>();
        List<Rec> recs = collect(fleet);
        for (Rec r : recs) {
            if (ContractCheck.violation(r.value()) != null) {
                continue;
            }
            JsonNode n = ContractCheck.parse(r.value());
            String id = n.get("rollout_id").asText();
            assertEquals(id, new String(r.key(), StandardCharsets.UTF_8), "key is the rollout id");
            int pos = n.get("position").asInt();
            if (byRollout.computeIfAbsent(id, x -> new HashMap<>()).putIfAbsent(pos, n) != null) {
                duplicates++;
            }
            Integer prev = lastSeen.put(id, pos);
            if (prev != null && pos < prev) {
                outOfOrder++;
            }
            if (n.path("final").asBoolean(false)) {
                finalPosition.put(id, pos);
            }
        }
        assertEquals(2 * 3 * 8, truth.size());
        assertEquals(truth.keySet(), byRollout.keySet());
        Set<String> prompts = new HashSet<>();
        for (SimulatedRollout t : truth.values()) {
            Map<Integer, JsonNode> got = byRollout.get(t.rolloutId());
            assertEquals(t.length(), got.size(), "all positions 0..N-1 present");
            assertEquals(t.length() - 1, finalPosition.get(t.rolloutId()));
            double h = 0;
            for (int p = 0; p < t.length(); p++) {
                JsonNode step = got.get(p);
                assertEquals(t.promptId(), step.get("prompt_id").asText());
                assertEquals(t.release(), step.get("release").asText());
                h += step.get("entropy").asDouble();
            }
            assertEquals(t.sample().entropySum(), h, 1e-9);
            prompts.add(t.promptId());
            int stream = t.release().equals("base-1") ? 0 : 1;
            int prompt = Integer.parseInt(t.promptId().substring(2));
            assertTrue(t.languageModel() == fleet.languageModel(stream, prompt));
        }
        assertEquals(Set.of("p-000", "p-001", "p-002"), prompts);
        assertTrue(outOfOrder > 0, "shuffle window reorders positions");
        assertTrue(duplicates > 0, "retries happen");
        assertTrue(fleet.languageModel(1, 0).exactCanopyEntropy() != fleet.languageModel(1, 1).exactCanopyEntropy());
    }

    @Test
    void rolloutContentDoesNotDependOnDeliverySettings() {
        List<SimulatedRollout> plain = new ArrayList<>();
        List<SimulatedRollout> noisy = new ArrayList<>();
        twoStreams(5).rollouts(40).onRollout(plain::add).build().emit((k, v) -> { });
        twoStreams(5).rollouts(40).concurrency(3).shuffleWindow(9).duplicateProbability(0.3).malformedFraction(0.2)
                .chunkSize(4).estimator(EstimatorMode.TOPK).onRollout(noisy::add).build().emit((k, v) -> { });
        assertEquals(plain.size(), noisy.size());
        for (int i = 0; i < plain.size(); i++) {
            assertEquals(plain.get(i).rolloutId(), noisy.get(i).rolloutId());
            assertEquals(plain.get(i).sample(), noisy.get(i).sample());
            assertNull(plain.get(i).promptId());
        }
    }

    @Test
    void chunkModeStatsCountPositionsOnceAndNullKeysAtTheRequestedRate() {
        FleetStats stats = SimulatedFleet.builder().seed(2).stream("m", "r", ModelStyles.tuned(2, 12))
                .rollouts(200).chunkSize(8).nullKeyFraction(0.25).duplicateProbability(0.1).build()
                .emit((k, v) -> {
                    JsonNode n = ContractCheck.parse(v);
                    assertTrue(n.has("tokens"));
                });
        assertEquals(0, stats.tokenRecords());
        assertEquals(200, stats.rolloutsStarted());
        assertEquals(200, stats.rolloutsCompleted());
        assertTrue(stats.duplicates() > 0);
        double nullShare = (double) stats.nullKeys() / stats.records();
        assertTrue(Math.abs(nullShare - 0.25) < 0.06, "null key share " + nullShare);
    }

    @Test
    void cursorStopsAtTheEndAndUnboundedFleetsNeedALimit() {
        SimulatedFleet unbounded = SimulatedFleet.builder().stream("m", "r", ModelStyles.base(1, 8)).build();
        assertThrows(IllegalStateException.class, () -> unbounded.emit((k, v) -> { }));
        assertEquals(1000, unbounded.emit((k, v) -> { }, 1000).records());
        FleetCursor c = SimulatedFleet.builder().stream("m", "r", ModelStyles.base(1, 8)).rollouts(1).build().cursor();
        int n = 0;
        while (c.next((k, v) -> { })) {
            n++;
        }
        assertFalse(c.next((k, v) -> { throw new AssertionError("sink called after the end"); }));
        assertEquals(n, c.stats().records());
        assertEquals(n, c.stats().tokens());
        assertThrows(IllegalStateException.class, () -> SimulatedFleet.builder().build());
        assertThrows(IllegalArgumentException.class, () -> SimulatedFleet.builder().malformedFraction(1.0));
        assertEquals("p-017", SimulatedFleet.promptId(17));
        assertEquals("p-1234", SimulatedFleet.promptId(1234));
    }
}
