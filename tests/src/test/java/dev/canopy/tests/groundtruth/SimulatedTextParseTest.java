package dev.canopy.tests.groundtruth;

import dev.canopy.core.events.EventParser;
import dev.canopy.core.events.ParseResult;
import dev.canopy.core.replay.ReplayEngine;
import dev.canopy.simulator.EstimatorMode;
import dev.canopy.simulator.ModelStyles;
import dev.canopy.simulator.SimulatedFleet;
import dev.canopy.simulator.SimulatedRollout;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The simulator's optional {@code text} read by the monitor's own parser: every record stays valid, the
 * parser keeps a text for every step, and replay assembles each rollout's text exactly as simulated.
 */
class SimulatedTextParseTest {

    private static SimulatedFleet.Builder fleet(int chunkSize, boolean text, Map<String, SimulatedRollout> truth) {
        return SimulatedFleet.builder()
                .stream("sim", "base", ModelStyles.base(4, 48))
                .stream("sim", "tuned", ModelStyles.tuned(5, 48))
                .seed(17).promptSet(4, 6).concurrency(12).shuffleWindow(10).duplicateProbability(0.05)
                .estimators(EstimatorMode.EXACT, EstimatorMode.TOPK, EstimatorMode.SURPRISAL, EstimatorMode.MIXED)
                .chunkSize(chunkSize).text(text)
                .onRollout(r -> truth.put(r.rolloutId(), r));
    }

    @Test
    void everyRecordParsesWithATextPerStepAndReplayAssemblesTheSimulatedText() {
        for (int chunk : new int[] {1, 4}) {
            Map<String, SimulatedRollout> truth = new HashMap<>();
            List<byte[]> records = new ArrayList<>();
            fleet(chunk, true, truth).build().emit((k, v) -> records.add(v));
            EventParser parser = new EventParser(48, true);
            Map<String, String> assembled = new HashMap<>();
            ReplayEngine engine = new ReplayEngine(ReplayEngine.Options.defaults(), 100_000,
                    (rollout, text) -> assembled.put(rollout.rolloutId(), text));
            for (byte[] v : records) {
                ParseResult p = parser.parse(v);
                assertTrue(p.isAccepted(), () -> p.reason() + ": " + p.detail());
                assertNotNull(p.record().texts());
                for (String t : p.record().texts()) {
                    assertNotNull(t, "text on every step");
                }
                engine.accept(v, 0, v.length);
            }
            engine.finish();
            assertEquals(truth.size(), assembled.size());
            for (SimulatedRollout r : truth.values()) {
                assertEquals(r.text(), assembled.get(r.rolloutId()), r.rolloutId());
                assertTrue(r.text().length() > 0 || r.length() == 1);
            }
        }
    }

    @Test
    void withoutTheOptionTheParserFindsNoText() {
        Map<String, SimulatedRollout> truth = new HashMap<>();
        List<byte[]> records = new ArrayList<>();
        fleet(3, false, truth).build().emit((k, v) -> records.add(v));
        EventParser parser = new EventParser(48, true);
        for (byte[] v : records) {
            ParseResult p = parser.parse(v);
            assertTrue(p.isAccepted());
            for (String t : p.record().texts()) {
                assertNull(t);
            }
        }
    }
}
