package dev.canopy.simulator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

class FleetCursorTest {

    private static SimulatedFleet.Builder fleet() {
        return SimulatedFleet.builder().seed(5)
                .stream("m", "base", ModelStyles.base(1, 12))
                .stream("m", "tuned", ModelStyles.tuned(2, 12));
    }

    @Test
    void shouldEmitTheSameRecordsFromEveryCursorOfAFleetIndependently() {
        SimulatedFleet f = fleet().promptSet(2, 5).concurrency(6).shuffleWindow(8).duplicateProbability(0.1)
                .malformedFraction(0.05).nullKeyFraction(0.2).build();
        FleetCursor a = f.cursor();
        FleetCursor b = f.cursor();
        List<byte[]> fromA = new ArrayList<>();
        List<byte[]> fromB = new ArrayList<>();
        // a runs ahead, then both alternate: neither's position moves the other
        for (int i = 0; i < 50; i++) {
            a.next((k, v) -> fromA.add(v));
        }
        boolean more = true;
        while (more) {
            boolean nextA = a.next((k, v) -> fromA.add(v));
            boolean nextB = b.next((k, v) -> fromB.add(v));
            more = nextA || nextB;
        }
        assertEquals(fromA.size(), fromB.size());
        for (int i = 0; i < fromA.size(); i++) {
            assertArrayEquals(fromA.get(i), fromB.get(i), "record " + i);
        }
        assertEquals(a.stats(), b.stats());
    }

    @Test
    void shouldAnnounceEachRolloutBeforeAnyOfItsRecords() {
        Set<String> announced = new HashSet<>();
        SimulatedFleet f = fleet().rollouts(30).concurrency(4).shuffleWindow(5).onRollout(r -> announced.add(r.rolloutId()))
                .build();
        FleetCursor c = f.cursor();
        int checked = 0;
        while (c.next((k, v) -> assertTrue(announced.contains(ContractCheck.parse(v).get("rollout_id").asText())))) {
            checked++;
        }
        assertEquals(30, announced.size());
        assertTrue(checked > 30);
    }

    @Test
    void shouldWriteOneRolloutAtATimeInPositionOrderWithOneInFlightAndNoShuffle() {
        List<SimulatedRollout> truth = new ArrayList<>();
        SimulatedFleet f = fleet().rollouts(12).concurrency(1).onRollout(truth::add).build();
        List<String> expected = new ArrayList<>();
        List<String> got = new ArrayList<>();
        FleetCursor c = f.cursor();
        while (c.next((k, v) -> {
            JsonNode n = ContractCheck.parse(v);
            got.add(n.get("rollout_id").asText() + "@" + n.get("position").asInt());
        })) {
            // collected
        }
        for (SimulatedRollout r : truth) {
            for (int p = 0; p < r.length(); p++) {
                expected.add(r.rolloutId() + "@" + p);
            }
        }
        assertEquals(expected, got);
    }

    @Test
    void shouldCountEveryRecordOnceAndEveryPositionOnlyOnItsFirstDelivery() {
        List<SimulatedRollout> truth = new ArrayList<>();
        SimulatedFleet f = fleet().rollouts(60).chunkSize(3).concurrency(5).shuffleWindow(4).duplicateProbability(0.2)
                .malformedFraction(0.1).nullKeyFraction(0.3).onRollout(truth::add).build();
        FleetCursor c = f.cursor();
        int[] emitted = new int[2]; // records, null keys
        while (c.next((k, v) -> {
            emitted[0]++;
            if (k == null) {
                emitted[1]++;
            }
        })) {
            // counted
        }
        FleetStats st = c.stats();
        assertEquals(emitted[0], st.records());
        assertEquals(emitted[1], st.nullKeys());
        assertEquals(st.records(), st.tokenRecords() + st.chunkRecords() + st.malformed());
        assertEquals(0, st.tokenRecords(), "chunk size 3 writes chunk records only");
        assertTrue(st.duplicates() > 0 && st.malformed() > 0 && st.nullKeys() > 0, st.toString());
        assertEquals(60, st.rolloutsStarted());
        assertEquals(60, st.rolloutsCompleted());
        assertEquals(truth.stream().mapToLong(SimulatedRollout::length).sum(), st.tokens());
    }

    @Test
    void shouldStampTimestampsInGenerationOrderBeforeTheShuffle() {
        SimulatedFleet f = fleet().rollouts(10).concurrency(3).timestamps(1_000, 7).build();
        List<Long> stamps = new ArrayList<>();
        f.emit((k, v) -> stamps.add(ContractCheck.parse(v).get("timestamp").asLong()));
        for (int i = 0; i < stamps.size(); i++) {
            assertEquals(1_000 + 7L * i, stamps.get(i), "without a shuffle window the i-th record is the i-th generated");
        }
    }
}
