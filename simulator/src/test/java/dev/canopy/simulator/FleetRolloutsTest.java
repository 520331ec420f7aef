package dev.canopy.simulator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

class FleetRolloutsTest {

    private static final List<SimulatedFleet.Stream> STREAMS = List.of(
            new SimulatedFleet.Stream("m", "base", ModelStyles.base(1, 12)),
            new SimulatedFleet.Stream("m", "tuned", ModelStyles.tuned(2, 12)));
    private static final int MAX_TOKENS = 64;

    private static RolloutRecords[] writers(EstimatorMode... modes) {
        RolloutRecords[] out = new RolloutRecords[modes.length];
        for (int i = 0; i < modes.length; i++) {
            out[i] = new RolloutRecords(modes[i]);
        }
        return out;
    }

    private static FleetRollouts promptSet(long seed, RolloutRecords[] writers) {
        return new FleetRollouts(STREAMS, seed, 3, 4, MAX_TOKENS, writers, "x-");
    }

    @Test
    void shouldSampleRolloutKTheSameWayWhateverElseWasStarted() {
        RolloutRecords[] w = writers(EstimatorMode.EXACT, EstimatorMode.MIXED);
        FleetRollouts a = promptSet(9, w);
        FleetRollouts b = promptSet(9, w);
        for (int k = 0; k < 10; k++) {
            a.start(k); // only a has started rollouts 0..k
        }
        for (long k : new long[] {17, 3, 23, 0}) {
            FleetRollouts.Started x = a.start(k);
            FleetRollouts.Started y = b.start(k);
            assertEquals(x.rollout().rolloutId(), y.rollout().rolloutId());
            assertEquals(x.rollout().sample(), y.rollout().sample());
            assertSame(x.writer(), y.writer());
        }
        assertNotEquals(a.start(5).rollout().sample(), promptSet(10, w).start(5).rollout().sample(),
                "another seed samples other tokens");
    }

    @Test
    void shouldWalkEachStreamThroughThePromptsInOrderWithNSamplesEach() {
        FleetRollouts r = promptSet(1, writers(EstimatorMode.EXACT));
        assertTrue(r.promptSetMode());
        // stream = k mod 2; j = k / 2 runs prompt 0 samples 0..3, then prompt 1 ...
        SimulatedRollout first = r.start(0).rollout();
        assertEquals("x-s0-p-000:0", first.rolloutId());
        assertEquals("p-000", first.promptId());
        assertEquals("base", first.release());
        assertSame(r.languageModel(0, 0), first.languageModel());
        assertEquals("x-s1-p-000:0", r.start(1).rollout().rolloutId());
        assertEquals("x-s0-p-000:3", r.start(6).rollout().rolloutId());
        SimulatedRollout later = r.start(9).rollout();
        assertEquals("x-s1-p-001:0", later.rolloutId());
        assertEquals("tuned", later.release());
        assertSame(r.languageModel(1, 1), later.languageModel());
        assertEquals("x-s1-p-002:3", r.start(23).rollout().rolloutId());
    }

    @Test
    void shouldUseTheStreamsOwnChainWithoutPromptIdsInTrafficMode() {
        FleetRollouts r = new FleetRollouts(STREAMS, 1, 0, 0, MAX_TOKENS, writers(EstimatorMode.EXACT), "");
        assertFalse(r.promptSetMode());
        SimulatedRollout k7 = r.start(7).rollout();
        assertEquals("s1-3", k7.rolloutId());
        assertNull(k7.promptId());
        assertSame(STREAMS.get(1).languageModel(), k7.languageModel());
        assertTrue(k7.length() <= MAX_TOKENS);
    }

    @Test
    void shouldGiveEveryWriterASharePickedFromTheRolloutSeed() {
        RolloutRecords[] w = writers(EstimatorMode.EXACT, EstimatorMode.TOPK, EstimatorMode.MIXED);
        FleetRollouts r = promptSet(4, w);
        Set<RolloutRecords> used = new HashSet<>();
        for (int k = 0; k < 24; k++) {
            used.add(r.start(k).writer());
        }
        assertEquals(Set.of(w), used);
        FleetRollouts single = promptSet(4, writers(EstimatorMode.TOPK));
        assertEquals(EstimatorMode.TOPK, single.start(5).writer().estimator());
    }

    @Test
    void shouldRotateThroughTheMalformationsAndTheStreamsWithIdsOfTheirOwn() {
        FleetRollouts r = promptSet(1, writers(EstimatorMode.EXACT));
        Malformation[] all = Malformation.values();
        for (int i = 0; i < 2 * all.length; i++) {
            SimulatedFleet.Stream st = STREAMS.get(i % STREAMS.size());
            assertEquals("x-bad-" + i, r.malformedId(i));
            assertArrayEquals(all[i % all.length].render(st.model(), st.release(), "x-bad-" + i), r.malformedRecord(i));
            assertNotNull(ContractCheck.violation(r.malformedRecord(i)));
        }
    }

    @Test
    void shouldWriteTextWhenItsWritersDo() {
        assertTrue(promptSet(1, new RolloutRecords[] {new RolloutRecords(EstimatorMode.EXACT).withText(true)}).writesText());
        assertFalse(promptSet(1, writers(EstimatorMode.EXACT)).writesText());
    }

    @Test
    void shouldPadPromptIdsToThreeDigits() {
        assertEquals("p-000", FleetRollouts.promptId(0));
        assertEquals("p-042", FleetRollouts.promptId(42));
        assertEquals("p-1000", FleetRollouts.promptId(1000));
    }
}
