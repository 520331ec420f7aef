package dev.canopy.connectors.adapters;

import com.fasterxml.jackson.databind.JsonNode;
import dev.canopy.connectors.EventChecks;
import dev.canopy.connectors.EventChecks.Event;
import dev.canopy.connectors.Recordings;
import dev.canopy.connectors.events.CollectingSink;
import dev.canopy.connectors.events.RolloutContext;
import dev.canopy.core.assembly.CompletedRollout;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.canopy.connectors.EventChecks.accepted;
import static dev.canopy.connectors.EventChecks.assertClose;
import static dev.canopy.connectors.EventChecks.assertCompleteRollout;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** llama.cpp has no recording here: the tests transcribe recorded vLLM and GLTR values into its documented layout. */
class LlamaCppAdapterTest {

    private static final RolloutContext CTX = RolloutContext.of("llama", "q4", null, "lcpp");

    @Test
    void shouldReadTheLogprobFormAndMapStopTypeEosToStop() {
        JsonNode out = Recordings.vllmOutputs().get(2);
        int n = out.get(0).size();
        CollectingSink sink = new CollectingSink();
        LlamaCppAdapter.adaptCompletion(Recordings.llamaCppCompletion(out, "eos", false), CTX, sink);
        List<Event> events = accepted(sink.records());
        assertCompleteRollout(events, n, "stop");
        for (int t : new int[]{0, n - 1}) {
            assertEquals(Recordings.vllmLogprob(out, t), events.get(t).logprob());
            assertArrayEquals(Recordings.vllmTop(out, t), events.get(t).top());
        }
    }

    @Test
    void shouldGiveTheSameEventsStreamedAndMapStopTypeLimitToLength() {
        JsonNode out = Recordings.vllmOutputs().get(0);
        CollectingSink whole = new CollectingSink();
        LlamaCppAdapter.adaptCompletion(Recordings.llamaCppCompletion(out, "limit", false), CTX, whole);
        CollectingSink streamed = new CollectingSink();
        StreamingAdapter a = LlamaCppAdapter.stream(CTX, streamed);
        byte[] sse = Recordings.llamaCppCompletion(out, "limit", true);
        for (int off = 0; off < sse.length; off += 13) {
            a.feed(sse, off, Math.min(13, sse.length - off));
        }
        a.finish();
        assertEquals(whole.jsonLines(), streamed.jsonLines());
        List<Event> events = accepted(streamed.records());
        assertEquals("length", events.get(events.size() - 1).finishReason());
    }

    @Test
    void shouldConvertPostSamplingProbabilitiesToLogprobsDroppingZeros() {
        JsonNode gltr = Recordings.json(Recordings.GLTR);
        JsonNode pred = gltr.get("result").get("pred_topk");
        JsonNode real = gltr.get("result").get("real_topk");
        CollectingSink sink = new CollectingSink();
        LlamaCppAdapter.adaptCompletion(Recordings.llamaCppProbs(gltr, "limit"), CTX, sink);
        List<Event> events = accepted(sink.records());
        assertCompleteRollout(events, pred.size(), "length");
        assertEquals(Math.log(real.get(0).get(1).doubleValue()), events.get(0).logprob());
        double expected = 0;
        for (int t = 0; t < pred.size(); t++) {
            expected += EventChecks.topKEntropy(logsOf(pred.get(t)));
            double p = real.get(t).get(1).doubleValue();
            assertEquals(p > 0, events.get(t).hasLogprob(), "a sampled probability of 0 gives no logprob (step " + t + ")");
        }
        CompletedRollout r = EventChecks.replay(EventChecks.values(sink)).get("lcpp:0");
        assertFalse(r.abandoned());
        assertClose(expected, r.entropySum(), "H_sum from probabilities");
        assertTrue(sink.rejections().isEmpty());
    }

    private static double[] logsOf(JsonNode candidates) {
        double[] out = new double[candidates.size()];
        for (int j = 0; j < out.length; j++) {
            out[j] = Math.log(candidates.get(j).get(1).doubleValue());
        }
        return out;
    }
}
