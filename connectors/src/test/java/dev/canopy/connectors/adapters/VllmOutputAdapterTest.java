package dev.canopy.connectors.adapters;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.canopy.connectors.EventChecks;
import dev.canopy.connectors.EventChecks.Event;
import dev.canopy.connectors.Recordings;
import dev.canopy.connectors.events.CollectingSink;
import dev.canopy.connectors.events.Rejection;
import dev.canopy.connectors.events.RolloutContext;
import dev.canopy.core.assembly.CompletedRollout;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.canopy.connectors.EventChecks.accepted;
import static dev.canopy.connectors.EventChecks.assertClose;
import static dev.canopy.connectors.EventChecks.assertCompleteRollout;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VllmOutputAdapterTest {

    private static final RolloutContext CTX = RolloutContext.of("pixtral-12b", "2409", null, "vllm-run");
    private static final Set<Integer> EOS = Set.of(2);

    @Test
    void shouldEmitTheEosStepAsTheFinalStepWithFinishStop() {
        CollectingSink sink = new CollectingSink();
        VllmOutputAdapter.adaptOutputs(Recordings.bytes(Recordings.VLLM), CTX, EOS, sink);
        Map<String, List<Event>> byRollout = EventChecks.byRollout(accepted(sink.records()));
        assertEquals(List.of("vllm-run:0", "vllm-run:1", "vllm-run:2"), List.copyOf(byRollout.keySet()));
        JsonNode outputs = Recordings.vllmOutputs();
        int[] lengths = {13, 34, 57};
        for (int i = 0; i < 3; i++) {
            List<Event> events = byRollout.get("vllm-run:" + i);
            assertCompleteRollout(events, lengths[i], "stop");
            JsonNode out = outputs.get(i);
            int last = lengths[i] - 1;
            assertEquals(Recordings.vllmLogprob(out, 0), events.get(0).logprob());
            assertArrayEquals(Recordings.vllmTop(out, 0), events.get(0).top());
            // the last step is the EOS token (id 2, "</s>") with its own top-5
            assertEquals(2, out.get(0).get(last).asInt());
            assertEquals(Recordings.vllmLogprob(out, last), events.get(last).logprob());
            assertArrayEquals(Recordings.vllmTop(out, last), events.get(last).top());
        }
        assertEquals(-0.11687260121107101, byRollout.get("vllm-run:0").get(0).logprob());
        assertArrayEquals(new double[]{-0.002247072057798505, -6.627246856689453, -7.127246856689453,
                -9.877246856689453, -11.127246856689453}, byRollout.get("vllm-run:0").get(12).top());
        assertTrue(sink.rejections().isEmpty());
    }

    @Test
    void shouldReplayToTheRenormalisedTopFiveEntropiesOfThePayload() {
        CollectingSink sink = new CollectingSink();
        VllmOutputAdapter.adaptOutputs(Recordings.bytes(Recordings.VLLM), CTX, EOS, sink);
        Map<String, CompletedRollout> done = EventChecks.replay(EventChecks.values(sink));
        JsonNode outputs = Recordings.vllmOutputs();
        for (int i = 0; i < 3; i++) {
            JsonNode out = outputs.get(i);
            double expected = 0;
            for (int t = 0; t < out.get(0).size(); t++) {
                expected += EventChecks.topKEntropy(Recordings.vllmTop(out, t));
            }
            CompletedRollout r = done.get("vllm-run:" + i);
            assertFalse(r.abandoned());
            assertEquals(out.get(0).size(), r.length(), "N counts the EOS step");
            assertEquals("stop", r.finishReason());
            assertClose(expected, r.entropySum(), "H_sum of output " + i);
        }
    }

    @Test
    void shouldGiveNoFinishReasonWhenTheLastTokenIsNotEosAndNoneIsGiven() {
        CollectingSink sink = new CollectingSink();
        VllmOutputAdapter.adaptOutputs(Recordings.bytes(Recordings.VLLM), CTX, Set.of(), sink);
        List<Event> events = accepted(sink.records());
        Event last = events.get(12);
        assertTrue(last.isFinal());
        assertEquals(null, last.finishReason());
    }

    @Test
    void shouldRejectTheSentinelStepCountItAndLeaveAGapInsteadOfABogusEvent() {
        JsonNode outputs = Recordings.vllmOutputs();
        JsonNode out = outputs.get(0);
        // vLLM writes -9999.0 where a logprob is -inf: put it on the sampled token of step 5
        String sampled = out.get(0).get(5).asText();
        ((ObjectNode) out.get(2).get(5).get(sampled)).put("logprob", -9999.0);
        // and on a non-sampled candidate of step 6 (probability zero: dropped, the step survives)
        String other = fieldNames(out.get(2).get(6)).stream().filter(k -> !k.equals(out.get(0).get(6).asText()))
                .findFirst().orElseThrow();
        ((ObjectNode) out.get(2).get(6).get(other)).put("logprob", -9999.0);
        CollectingSink sink = new CollectingSink();
        VllmOutputAdapter.adaptOutput(out, CTX, "r-sentinel:0", Set.of(2), sink);
        List<Event> events = accepted(sink.records());
        assertEquals(12, events.size());
        assertTrue(events.stream().noneMatch(e -> e.position() == 5), "no event for the rejected step");
        assertEquals(4, events.get(5).top().length, "the -9999 candidate is dropped");
        assertEquals(List.of(new Rejection("r-sentinel:0", 5, Rejection.Reason.SENTINEL_LOGPROB)), sink.rejections());
        CompletedRollout r = EventChecks.replay(EventChecks.values(sink)).get("r-sentinel:0");
        assertTrue(r.abandoned(), "a rollout with a gap is never measured");
    }

    private static List<String> fieldNames(JsonNode obj) {
        List<String> names = new java.util.ArrayList<>();
        obj.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
