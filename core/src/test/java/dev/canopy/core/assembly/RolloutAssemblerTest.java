package dev.canopy.core.assembly;

import dev.canopy.core.events.EventParser;
import dev.canopy.core.events.ParseResult;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RolloutAssemblerTest {

    private final EventParser parser = new EventParser();
    private final RolloutAssembler assembler = new RolloutAssembler();
    private long clock;

    private RolloutAssembler.Outcome feed(String rollout, int position, double logprob, String extra) {
        String json = "{\"model\":\"m\",\"release\":\"r\",\"rollout_id\":\"" + rollout + "\",\"prompt_id\":\"p\",\"position\":"
                + position + ",\"logprob\":" + logprob + extra + "}";
        ParseResult r = parser.parse(json.getBytes(StandardCharsets.UTF_8));
        assertTrue(r.isAccepted(), r.detail());
        return assembler.accept(r.record(), 1000 + position, ++clock);
    }

    @Test
    void shouldCompleteInterleavedOutOfOrderRolloutsWhenEveryPositionArrived() {
        assertNull(feed("a", 2, -0.5, ",\"final\":true,\"finish_reason\":\"stop\"").completed());
        assertNull(feed("b", 0, -1.0, "").completed());
        assertNull(feed("a", 0, -0.25, "").completed());
        assertNull(feed("b", 1, -1.0, ",\"final\":true,\"finish_reason\":\"length\"").completed().equals(null) ? null : null);
        CompletedRollout a = feed("a", 1, -0.125, "").completed();
        assertNotNull(a);
        assertEquals(3, a.length());
        assertEquals(0.875, a.entropySum(), 0);
        assertEquals(0.875 / 3, a.entropyRate(), 1e-15);
        assertEquals("stop", a.finishReason());
        assertFalse(a.truncated());
        assertEquals(3, a.surprisalSteps());
        assertEquals(1002, a.completedAt());
        assertEquals(0, assembler.inFlight());
    }

    @Test
    void shouldKeepTheFirstOfRepeatedPositions() {
        feed("a", 0, -1.0, "");
        RolloutAssembler.Outcome retry = feed("a", 0, -9.0, "");
        assertEquals(1, retry.duplicateSteps());
        feed("a", 2, -1.0, "");
        assertEquals(1, feed("a", 2, -7.0, "").duplicateSteps());
        CompletedRollout done = feed("a", 1, -1.0, ",\"final\":false").completed();
        assertNull(done);
        done = feed("a", 3, -1.0, ",\"final\":true,\"finish_reason\":\"length\"").completed();
        assertNotNull(done);
        assertEquals(4.0, done.entropySum(), 0);
        assertTrue(done.truncated());
    }

    @Test
    void shouldNotCompleteWhenAPositionIsMissing() {
        feed("a", 0, -1.0, "");
        feed("a", 2, -1.0, ",\"final\":true");
        assertEquals(1, assembler.inFlight());
        List<CompletedRollout> abandoned = assembler.drainAbandoned();
        assertEquals(1, abandoned.size());
        assertTrue(abandoned.get(0).abandoned());
        assertEquals(2, abandoned.get(0).length(), "an abandoned rollout reports the positions it saw");
    }

    @Test
    void shouldNeverCompleteARolloutWithAPositionBeyondItsFinal() {
        feed("a", 0, -1.0, "");
        feed("a", 3, -1.0, "");
        assertNull(feed("a", 1, -1.0, ",\"final\":true").completed());
        assertEquals(1, assembler.inFlight());
    }

    @Test
    void shouldExpireOnlyIdleRollouts() {
        feed("old", 0, -1.0, "");
        long cutoff = clock + 1;
        feed("new", 0, -1.0, "");
        List<CompletedRollout> expired = assembler.expireIdle(cutoff);
        assertEquals(1, expired.size());
        assertEquals("old", expired.get(0).rolloutId());
        assertEquals(1, assembler.inFlight());
    }

    @Test
    void shouldRoundTripStateThroughBytesIncludingOutOfOrderPositions() {
        RolloutState s = new RolloutState("m", "r", "p");
        s.addStep(0, 1.0, 2.0, dev.canopy.core.events.Estimator.TOPK);
        s.addStep(70, 0.5, 0.5, dev.canopy.core.events.Estimator.EXACT);
        s.addStep(200, 0.25, 0.25, dev.canopy.core.events.Estimator.SURPRISAL);
        s.markFinal(200, "stop");
        s.touch(5, 6);
        RolloutState copy = RolloutState.fromBytes(s.toBytes());
        assertEquals(3, copy.positionsSeen());
        assertFalse(copy.addStep(70, 9, 9, dev.canopy.core.events.Estimator.EXACT), "position 70 was seen");
        for (int p = 1; p < 200; p++) {
            if (p != 70) {
                assertTrue(copy.addStep(p, 0, 0, dev.canopy.core.events.Estimator.EXACT));
            }
        }
        assertTrue(copy.isComplete());
        CompletedRollout c = copy.toCompleted("x");
        assertEquals(201, c.length());
        assertEquals(1.75, c.entropySum(), 0);
        assertEquals(2.75, c.entropyUpperSum(), 0);
        assertEquals(1, c.topkSteps());
        assertEquals(5, c.completedAt());
    }

    @Test
    void shouldIgnoreARetryArrivingAfterItsRolloutCompleted() {
        feed("x", 0, -1.0, "");
        assertNotNull(feed("x", 1, -1.0, ",\"final\":true").completed());
        RolloutAssembler.Outcome late = feed("x", 0, -1.0, "");
        assertNull(late.completed());
        assertEquals(1, late.duplicateSteps(), "the late copy counts as a repeat");
        assertEquals(0, assembler.inFlight());
        assertTrue(assembler.drainAbandoned().isEmpty(), "no phantom abandoned rollout");
    }

    @Test
    void shouldSumEntropiesToTheSameBitsWhateverTheArrivalOrder() {
        double[] steps = {0.1, 0.2, 0.3, 1e-9, 7.25, 0.7000000000000001};
        RolloutState forward = new RolloutState("m", "r", "p");
        RolloutState backward = new RolloutState("m", "r", "p");
        for (int i = 0; i < steps.length; i++) {
            forward.addStep(i, steps[i], steps[i], dev.canopy.core.events.Estimator.EXACT);
            int j = steps.length - 1 - i;
            backward.addStep(j, steps[j], steps[j], dev.canopy.core.events.Estimator.EXACT);
        }
        forward.markFinal(steps.length - 1, "stop");
        backward.markFinal(steps.length - 1, "stop");
        double a = forward.toCompleted("a").entropySum();
        double b = backward.toCompleted("b").entropySum();
        assertEquals(Double.doubleToLongBits(a), Double.doubleToLongBits(b));
        double exact = new java.math.BigDecimal(0.1).add(new java.math.BigDecimal(0.2)).add(new java.math.BigDecimal(0.3))
                .add(new java.math.BigDecimal(1e-9)).add(new java.math.BigDecimal(7.25)).add(new java.math.BigDecimal(0.7000000000000001)).doubleValue();
        assertEquals(exact, a, 1e-15);
        assertEquals(Double.doubleToLongBits(a), Double.doubleToLongBits(RolloutState.fromBytes(forward.toBytes()).toCompleted("a").entropySum()));
    }

    @Test
    void shouldRejectARecordBeyondTheFinalPositionAfterCompletionButIgnoreRetries() {
        feed("a", 0, -1.0, "");
        assertNotNull(feed("a", 1, -1.0, ",\"final\":true,\"finish_reason\":\"stop\"").completed());
        RolloutAssembler.Outcome retry = feed("a", 1, -1.0, ",\"final\":true,\"finish_reason\":\"stop\"");
        assertFalse(retry.beyondFinal(), "a retry of a position within the rollout is no drop");
        assertEquals(1, retry.duplicateSteps());
        RolloutAssembler.Outcome late = feed("a", 2, -1.0, "");
        assertTrue(late.beyondFinal());
        assertNull(late.completed());
        assertEquals(0, late.duplicateSteps());
        assertEquals(0, assembler.inFlight(), "no phantom rollout");
    }

    @Test
    void shouldRejectBeyondFinalThroughAStoreThatKeepsMarkersAsBytes() {
        java.util.Map<String, byte[]> map = new java.util.HashMap<>();
        RolloutAssembler.StateStore store = new RolloutAssembler.StateStore() {
            @Override
            public RolloutState get(String rolloutId) {
                byte[] b = map.get(rolloutId);
                return b == null ? null : RolloutState.fromBytes(b);
            }

            @Override
            public void put(String rolloutId, RolloutState state) {
                map.put(rolloutId, state.toBytes());
            }

            @Override
            public void markCompleted(String rolloutId, long activityTime, int lastPosition) {
                map.put(rolloutId, RolloutState.completedMarker(activityTime, lastPosition));
            }
        };
        assertNotNull(RolloutAssembler.apply(store, record("a", 0, ",\"final\":true"), 0, 1).completed());
        assertFalse(RolloutAssembler.apply(store, record("a", 0, ""), 0, 2).beyondFinal());
        assertTrue(RolloutAssembler.apply(store, record("a", 5, ""), 0, 3).beyondFinal());
        // a marker written before markers carried the last position: every later record is a retry
        map.put("b", java.nio.ByteBuffer.allocate(9).put((byte) 3).putLong(1).array());
        assertFalse(RolloutAssembler.apply(store, record("b", 5, ""), 0, 4).beyondFinal());
    }

    private dev.canopy.core.events.TokenRecord record(String rollout, int position, String extra) {
        String json = "{\"model\":\"m\",\"release\":\"r\",\"rollout_id\":\"" + rollout + "\",\"position\":" + position
                + ",\"logprob\":-1" + extra + "}";
        return parser.parse(json.getBytes(StandardCharsets.UTF_8)).record();
    }
}
