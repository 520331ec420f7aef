package dev.canopy.simulator;

import dev.canopy.core.events.Estimator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

class RolloutRecordsTest {

    private static final MarkovLanguageModel LM = ModelStyles.tuned(9, 16);

    private static SimulatedRollout rollout(long seed, int maxTokens, String promptId) {
        return new SimulatedRollout("m-1", "ft-2026", "req-" + seed + ":0", promptId, LM,
                LM.sample(new SplittableRandom(seed), maxTokens));
    }

    private static SimulatedRollout stoppedRollout(long from, int minLength) {
        for (long s = from; ; s++) {
            SimulatedRollout r = rollout(s, 256, "p-001");
            if (!r.sample().truncated() && r.length() >= minLength) {
                return r;
            }
        }
    }

    @Test
    void perTokenRecordsCoverPositionsInOrderWithFinalAndStopOnTheEosStep() {
        SimulatedRollout r = stoppedRollout(1, 5);
        List<byte[]> records = new RolloutRecords(EstimatorMode.EXACT).tokenRecords(r, 1_700_000_000_000L, 20);
        assertEquals(r.length(), records.size());
        double entropySum = 0;
        for (int i = 0; i < records.size(); i++) {
            assertNull(ContractCheck.violation(records.get(i)));
            for (byte b : records.get(i)) {
                assertTrue(b != '\n' && b != '\r');
            }
            JsonNode n = ContractCheck.parse(records.get(i));
            assertEquals("m-1", n.get("model").asText());
            assertEquals("ft-2026", n.get("release").asText());
            assertEquals(r.rolloutId(), n.get("rollout_id").asText());
            assertEquals("p-001", n.get("prompt_id").asText());
            assertEquals(i, n.get("position").asInt());
            assertEquals(r.sample().step(i).logprob(), n.get("logprob").asDouble(), 0.0);
            assertEquals(r.sample().step(i).entropy(), n.get("entropy").asDouble(), 0.0);
            assertFalse(n.has("top_logprobs"));
            assertEquals(1_700_000_000_000L + 20L * i, n.get("timestamp").asLong());
            entropySum += n.get("entropy").asDouble();
            boolean last = i == records.size() - 1;
            assertEquals(last, n.has("final"));
            if (last) {
                assertTrue(n.get("final").asBoolean());
                assertEquals("stop", n.get("finish_reason").asText());
                assertEquals(LM.eos(), r.sample().step(i).token());
            } else {
                assertFalse(n.has("finish_reason"));
            }
        }
        assertEquals(r.sample().entropySum(), entropySum, 1e-12);
    }

    @Test
    void truncatedRolloutEndsWithFinishReasonLength() {
        SimulatedRollout r = null;
        for (long s = 1; r == null; s++) {
            SimulatedRollout x = rollout(s, 4, null);
            r = x.sample().truncated() ? x : null;
        }
        List<byte[]> records = new RolloutRecords(EstimatorMode.SURPRISAL).tokenRecords(r);
        assertEquals(4, records.size());
        JsonNode last = ContractCheck.parse(records.get(3));
        assertEquals("length", last.get("finish_reason").asText());
        assertTrue(last.get("final").asBoolean());
        for (byte[] rec : records) {
            JsonNode n = ContractCheck.parse(rec);
            assertNull(ContractCheck.violation(rec));
            assertFalse(n.has("prompt_id"), "traffic mode omits prompt_id");
            assertFalse(n.has("entropy") || n.has("top_logprobs"), "surprisal only");
            assertFalse(n.has("timestamp"));
        }
    }

    @Test
    void topKRecordsCarryTheKLargestLogprobsOfTheStepState() {
        SimulatedRollout r = stoppedRollout(3, 3);
        int k = 5;
        List<byte[]> records = new RolloutRecords(EstimatorMode.TOPK, k).tokenRecords(r);
        for (int i = 0; i < records.size(); i++) {
            JsonNode top = ContractCheck.parse(records.get(i)).get("top_logprobs");
            double[] got = new double[top.size()];
            for (int j = 0; j < got.length; j++) {
                got[j] = top.get(j).asDouble();
            }
            assertArrayEquals(LM.topLogprobs(r.sample().step(i).state(), k), got, 0.0);
            assertTrue(got.length >= 1 && got.length <= k);
            assertTrue(got[0] >= r.sample().step(i).logprob());
        }
        assertThrows(IllegalArgumentException.class, () -> new RolloutRecords(EstimatorMode.TOPK, 0));
        assertThrows(IllegalArgumentException.class, () -> new RolloutRecords(EstimatorMode.TOPK, 1001));
    }

    @Test
    void mixedModeUsesExactlyOneSourcePerStepAsEstimatorAtPredicts() {
        Set<Estimator> seen = EnumSet.noneOf(Estimator.class);
        RolloutRecords w = new RolloutRecords(EstimatorMode.MIXED, 3);
        for (long s = 1; s <= 20; s++) {
            SimulatedRollout r = rollout(s, 256, null);
            List<byte[]> records = w.tokenRecords(r);
            for (int i = 0; i < records.size(); i++) {
                JsonNode n = ContractCheck.parse(records.get(i));
                Estimator e = RolloutRecords.estimatorAt(EstimatorMode.MIXED, r.rolloutId(), i);
                seen.add(e);
                assertEquals(e == Estimator.EXACT, n.has("entropy"));
                assertEquals(e == Estimator.TOPK, n.has("top_logprobs"));
                assertTrue(n.has("logprob"));
            }
        }
        assertEquals(EnumSet.of(Estimator.EXACT, Estimator.TOPK, Estimator.SURPRISAL), seen);
    }

    @Test
    void chunkRecordsCoverEveryPositionOnceAndOnlyTheLastChunkIsFinal() {
        SimulatedRollout r = stoppedRollout(5, 12);
        for (int chunk : new int[] {1, 3, 5, r.length(), r.length() + 7}) {
            List<byte[]> records = new RolloutRecords(EstimatorMode.MIXED).chunkRecords(r, chunk, 1000, 1);
            assertEquals((r.length() + chunk - 1) / chunk, records.size());
            int expected = 0;
            for (int c = 0; c < records.size(); c++) {
                assertNull(ContractCheck.violation(records.get(c)));
                JsonNode n = ContractCheck.parse(records.get(c));
                assertEquals(r.rolloutId(), n.get("rollout_id").asText());
                JsonNode tokens = n.get("tokens");
                assertTrue(tokens.size() >= 1 && tokens.size() <= chunk);
                for (JsonNode step : tokens) {
                    assertEquals(expected, step.get("position").asInt());
                    assertEquals(r.sample().step(expected).logprob(), step.get("logprob").asDouble(), 0.0);
                    assertFalse(step.has("final"));
                    expected++;
                }
                boolean last = c == records.size() - 1;
                assertEquals(last, n.has("final"));
                assertEquals(last, n.has("finish_reason"));
                assertEquals(1000 + expected - 1, n.get("timestamp").asLong());
            }
            assertEquals(r.length(), expected);
        }
        assertThrows(IllegalArgumentException.class, () -> new RolloutRecords(EstimatorMode.EXACT).chunkRecords(r, 0));
        assertThrows(IndexOutOfBoundsException.class, () -> new RolloutRecords(EstimatorMode.EXACT).chunkRecord(r, 2, 2, 0));
    }

    @Test
    void specialCharactersInIdsAreEscaped() {
        SimulatedRollout r = new SimulatedRollout("m\"q", "r\\1", "id\n2", "p\u00e9", LM,
                LM.sample(new SplittableRandom(1), 8));
        byte[] rec = new RolloutRecords(EstimatorMode.EXACT).tokenRecord(r, 0, RolloutRecords.NO_TIMESTAMP);
        JsonNode n = ContractCheck.parse(rec);
        assertEquals("m\"q", n.get("model").asText());
        assertEquals("r\\1", n.get("release").asText());
        assertEquals("id\n2", n.get("rollout_id").asText());
        assertEquals("p\u00e9", n.get("prompt_id").asText());
    }
}
