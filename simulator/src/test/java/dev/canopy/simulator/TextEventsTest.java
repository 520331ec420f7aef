package dev.canopy.simulator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import dev.canopy.testsupport.ReferenceStatistics;
import org.junit.jupiter.api.Test;

/** The optional per-step {@code text}: {@link TokenText}, {@link RolloutRecords#withText}, {@link SimulatedFleet.Builder#text}. */
class TextEventsTest {

    private static final MarkovLanguageModel LM = ModelStyles.tuned(3, 48);

    private static SimulatedRollout stopped(MarkovLanguageModel lm, long from, int minLength) {
        for (long s = from; ; s++) {
            SimulatedRollout r = new SimulatedRollout("m", "r", "req-" + s, "p-000", lm, lm.sample(new SplittableRandom(s), 256));
            if (!r.sample().truncated() && r.length() >= minLength) {
                return r;
            }
        }
    }

    /** The step objects of a record, in the order written (one for the per-token form). */
    private static List<JsonNode> steps(byte[] record) {
        JsonNode n = ContractCheck.parse(record);
        List<JsonNode> out = new ArrayList<>();
        if (n.has("tokens")) {
            assertFalse(n.has("text"), "chunk text sits on the steps, not at top level");
            n.get("tokens").forEach(out::add);
        } else {
            out.add(n);
        }
        return out;
    }

    @Test
    void textIsOnEveryStepWhenOnAndAbsentWhenOff() {
        SimulatedRollout r = stopped(LM, 1, 6);
        for (EstimatorMode e : EstimatorMode.values()) {
            RolloutRecords off = new RolloutRecords(e);
            RolloutRecords on = off.withText(true);
            assertFalse(off.writesText());
            assertTrue(on.writesText());
            assertSame(off, off.withText(false));
            assertEquals(e, on.estimator());
            assertEquals(off.topK(), on.topK());
            List<byte[]> records = new ArrayList<>(on.tokenRecords(r));
            records.addAll(on.chunkRecords(r, 4));
            int stepsSeen = 0;
            for (byte[] rec : records) {
                assertNull(ContractCheck.violation(rec), new String(rec));
                for (JsonNode step : steps(rec)) {
                    assertTrue(step.get("text").isTextual(), step.toString());
                    stepsSeen++;
                }
            }
            assertEquals(2 * r.length(), stepsSeen);
            List<byte[]> plain = new ArrayList<>(off.tokenRecords(r));
            plain.addAll(off.chunkRecords(r, 4));
            for (byte[] rec : plain) {
                assertNull(ContractCheck.violation(rec));
                for (JsonNode step : steps(rec)) {
                    assertFalse(step.has("text"), step.toString());
                }
            }
        }
    }

    @Test
    void withTextOffWritesExactlyTheDefaultBytes() {
        SimulatedRollout r = stopped(LM, 5, 3);
        RolloutRecords plain = new RolloutRecords(EstimatorMode.MIXED, 7);
        RolloutRecords toggled = plain.withText(true).withText(false);
        assertFalse(toggled.writesText());
        List<byte[]> a = plain.tokenRecords(r, 1_700_000_000_000L, 5);
        List<byte[]> b = toggled.tokenRecords(r, 1_700_000_000_000L, 5);
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            assertArrayEquals(a.get(i), b.get(i));
        }
        assertArrayEquals(plain.chunkRecord(r, 0, r.length(), 42), toggled.chunkRecord(r, 0, r.length(), 42));
    }

    @Test
    void wordsAreDeterministicPerTokenIdWithALeadingSpaceAndEosIsEmpty() {
        MarkovLanguageModel base = ModelStyles.base(3, 48);
        for (int v = 0; v < 48; v++) {
            String w = TokenText.piece(v, 48);
            assertEquals(w, TokenText.piece(v, 48));
            assertEquals(w, TokenText.piece(v, base.vocabularySize()), "same token, same vocabulary, same word");
            assertTrue(w.matches(" [a-z]+"), w);
        }
        assertEquals("", TokenText.piece(48, 48));
        assertEquals("", TokenText.piece(LM.eos(), LM.vocabularySize()));
        assertThrows(IllegalArgumentException.class, () -> TokenText.piece(49, 48));
        assertThrows(IllegalArgumentException.class, () -> TokenText.piece(-1, 48));
        assertThrows(IllegalArgumentException.class, () -> TokenText.piece(0, 0));
        // every token of a large vocabulary maps to a word too
        for (int v = 0; v < 1000; v++) {
            assertTrue(TokenText.piece(v, 1000).matches(" [a-z]+"));
        }
    }

    @Test
    void theWordListIsAFewHundredDistinctWordsAndTheTopicalQuarterUsesOneTopicPerToken() {
        List<String> words = TokenText.words();
        assertTrue(words.size() >= 200, "a few hundred words");
        assertEquals(words.size(), new HashSet<>(words).size(), "all distinct");
        for (String w : words) {
            assertTrue(w.matches("[a-z]+"), w);
        }
        // vocabulary 48: tokens 24..35 are twelve different words, the rest six theme words
        Set<String> topical = new HashSet<>();
        Set<String> theme = new HashSet<>();
        for (int v = 0; v < 48; v++) {
            (v >= 24 && v < 36 ? topical : theme).add(TokenText.piece(v, 48));
        }
        assertEquals(12, topical.size());
        assertEquals(6, theme.size());
        assertTrue(java.util.Collections.disjoint(topical, theme));
    }

    @Test
    void stepTextsConcatenateToTheRolloutTextInBothForms() {
        for (long seed = 1; seed <= 30; seed++) {
            SimulatedRollout r = stopped(LM, seed * 100, 1);
            String expected = r.text();
            assertEquals(TokenText.of(r.sample(), 48), expected);
            RolloutRecords w = new RolloutRecords(EstimatorMode.MIXED).withText(true);
            StringBuilder perToken = new StringBuilder();
            List<byte[]> records = w.tokenRecords(r);
            for (int p = 0; p < records.size(); p++) {
                JsonNode n = ContractCheck.parse(records.get(p));
                assertEquals(p, n.get("position").asInt());
                assertEquals(TokenText.piece(r.sample().step(p).token(), 48), n.get("text").asText());
                perToken.append(n.get("text").asText());
            }
            assertEquals(expected, perToken.toString());
            assertEquals("", ContractCheck.parse(records.get(records.size() - 1)).get("text").asText(), "EOS step");
            StringBuilder chunked = new StringBuilder();
            for (byte[] rec : w.chunkRecords(r, 3)) {
                for (JsonNode step : steps(rec)) {
                    chunked.append(step.get("text").asText());
                }
            }
            assertEquals(expected, chunked.toString());
        }
    }

    @Test
    void fleetWritesTextInBothFormsAndShuffledRecordsReassembleToTheListenedText() {
        for (int chunk : new int[] {1, 5}) {
            Map<String, SimulatedRollout> truth = new LinkedHashMap<>();
            SimulatedFleet fleet = SimulatedFleet.builder()
                    .stream("m", "base", ModelStyles.base(1, 48))
                    .stream("m", "tuned", ModelStyles.tuned(2, 48))
                    .seed(7).promptSet(3, 6).concurrency(8).shuffleWindow(12).duplicateProbability(0.1)
                    .malformedFraction(0.02).estimators(EstimatorMode.EXACT, EstimatorMode.MIXED).chunkSize(chunk)
                    .text(true).onRollout(r -> truth.put(r.rolloutId(), r)).build();
            assertTrue(fleet.writesText());
            Map<String, TreeMap<Integer, String>> texts = new HashMap<>();
            fleet.emit((key, value) -> {
                if (ContractCheck.violation(value) != null) {
                    return; // an injected malformed record
                }
                String id = ContractCheck.parse(value).get("rollout_id").asText();
                for (JsonNode step : steps(value)) {
                    assertTrue(step.has("text"), step.toString());
                    texts.computeIfAbsent(id, x -> new TreeMap<>()).putIfAbsent(step.get("position").asInt(), step.get("text").asText());
                }
            });
            assertEquals(truth.keySet(), texts.keySet());
            for (SimulatedRollout t : truth.values()) {
                TreeMap<Integer, String> got = texts.get(t.rolloutId());
                assertEquals(t.length(), got.size());
                assertEquals(t.text(), String.join("", got.values()), t.rolloutId());
            }
        }
    }

    @Test
    void fleetTextIsOffByDefaultAndTheOptionDoesNotChangeTheOtherBytes() {
        List<byte[]> plain = new ArrayList<>();
        List<byte[]> off = new ArrayList<>();
        List<byte[]> on = new ArrayList<>();
        SimulatedFleet p = SimulatedFleet.builder().stream("m", "r", LM).seed(3).promptSet(2, 4).chunkSize(3).build();
        assertFalse(p.writesText());
        p.emit((k, v) -> plain.add(v));
        SimulatedFleet.builder().stream("m", "r", LM).seed(3).promptSet(2, 4).chunkSize(3).text(false).build()
                .emit((k, v) -> off.add(v));
        SimulatedFleet.builder().stream("m", "r", LM).seed(3).promptSet(2, 4).chunkSize(3).text(true).build()
                .emit((k, v) -> on.add(v));
        assertEquals(plain.size(), off.size());
        assertEquals(plain.size(), on.size());
        for (int i = 0; i < plain.size(); i++) {
            assertArrayEquals(plain.get(i), off.get(i));
            String stripped = new String(on.get(i), java.nio.charset.StandardCharsets.UTF_8).replaceAll(",\"text\":\"[a-z ]*\"", "");
            assertEquals(new String(plain.get(i), java.nio.charset.StandardCharsets.UTF_8), stripped, "text is the only addition");
        }
    }

    /**
     * The design goal of the layout, checked without an embedding model: the share of topical words
     * (the third quarter of the vocabulary) rises with the entropy rate in both styles, so high-entropy
     * rollouts are the ones that touch many topics.
     */
    @Test
    void topicalShareRisesWithEntropyRateInBothStyles() {
        for (MarkovLanguageModel lm : new MarkovLanguageModel[] {ModelStyles.base(42, 48), ModelStyles.tuned(43, 48)}) {
            SplittableRandom rng = new SplittableRandom(11);
            int n = 1500;
            double[] share = new double[n];
            double[] rate = new double[n];
            for (int i = 0; i < n; i++) {
                SampledRollout s = lm.sample(rng, 256);
                int topical = 0;
                for (SampledStep st : s.steps()) {
                    if (st.token() >= 24 && st.token() < 36) {
                        topical++;
                    }
                }
                share[i] = topical / (double) s.length();
                rate[i] = s.entropyRate();
            }
            double rho = ReferenceStatistics.pearson(share, rate);
            assertTrue(rho > 0.2, lm + ": corr(topical share, entropy rate) = " + rho);
        }
    }
}
