package dev.canopy.connectors.events;

import dev.canopy.connectors.EventChecks;
import dev.canopy.connectors.EventChecks.Event;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static dev.canopy.connectors.EventChecks.accepted;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RolloutEmitterTest {

    private static final RolloutContext CTX = RolloutContext.of("m", "r", "p", "base");

    private static TokenStep lp(double logprob, double... top) {
        return TokenStep.of(logprob, top.length == 0 ? null : top, null);
    }

    @Test
    void shouldHoldTheLatestStepBackUntilTheNextStepOrTheFinish() {
        CollectingSink sink = new CollectingSink();
        RolloutEmitter e = new RolloutEmitter(CTX, "base:0", sink);
        e.step(lp(-0.1, -0.1, -2.5));
        assertTrue(sink.records().isEmpty(), "the first step waits: it may be the last");
        e.step(lp(-1.2));
        assertEquals(1, sink.records().size());
        e.finish("stop");
        List<Event> events = accepted(sink.records());
        EventChecks.assertCompleteRollout(events, 2, "stop");
        assertArrayEquals(new double[]{-0.1, -2.5}, events.get(0).top());
    }

    @Test
    void shouldNotMarkAnEarlierStepFinalWhenTheLastTokenWasRejected() {
        CollectingSink sink = new CollectingSink();
        RolloutEmitter e = new RolloutEmitter(CTX, "base:0", sink);
        e.step(lp(-0.1));
        e.step(lp(Double.NEGATIVE_INFINITY));
        e.finish("length");
        List<Event> events = accepted(sink.records());
        assertEquals(1, events.size());
        assertFalse(events.get(0).isFinal());
        assertEquals(List.of(new Rejection("base:0", 1, Rejection.Reason.NON_FINITE_LOGPROB)), sink.rejections());
    }

    @Test
    void shouldKeepPositionsOfLaterTokensAfterARejectedStep() {
        CollectingSink sink = new CollectingSink();
        RolloutEmitter e = new RolloutEmitter(CTX, "base:0", sink);
        e.step(lp(-0.1));
        e.step(TokenStep.of(null, null, null));
        e.step(lp(-0.3));
        e.finish("stop");
        List<Event> events = accepted(sink.records());
        assertEquals(List.of(0, 2), events.stream().map(Event::position).toList());
        assertTrue(events.get(1).isFinal());
        assertEquals(Map.of(Rejection.Reason.MISSING_LOGPROBS, 1), sink.rejectionCounts());
    }

    @Test
    void shouldRejectARolloutWithoutTokens() {
        CollectingSink sink = new CollectingSink();
        new RolloutEmitter(CTX, "base:3", sink).finish("stop");
        assertTrue(sink.records().isEmpty());
        assertEquals(List.of(new Rejection("base:3", -1, Rejection.Reason.EMPTY_ROLLOUT)), sink.rejections());
    }

    @Test
    void shouldIgnoreEverythingAfterPoisonAndCountItOnce() {
        CollectingSink sink = new CollectingSink();
        RolloutEmitter e = new RolloutEmitter(CTX, "base:0", sink);
        e.step(lp(-0.1));
        e.poison(Rejection.Reason.NO_LOGPROBS);
        e.poison(Rejection.Reason.NO_LOGPROBS);
        e.step(lp(-0.2));
        e.finish("stop");
        List<Event> events = accepted(sink.records());
        assertEquals(1, events.size());
        assertFalse(events.get(0).isFinal());
        assertEquals(1, sink.rejections().size());
    }
}
