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
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GltrAdapterTest {

    @Test
    void shouldScoreEveryTokenWithItsTop20AndKeepStepsWhoseSampledProbabilityRoundedToZero() {
        JsonNode gltr = Recordings.json(Recordings.GLTR);
        JsonNode pred = gltr.get("result").get("pred_topk");
        JsonNode real = gltr.get("result").get("real_topk");
        CollectingSink sink = new CollectingSink();
        GltrAdapter.adapt(Recordings.bytes(Recordings.GLTR), RolloutContext.of("gpt2-small", "openai-2019", "unicorn", "gltr"), sink);
        List<Event> events = accepted(sink.records());
        assertEquals(pred.size(), events.size());
        assertEquals(479, events.size());
        Event first = events.get(0);
        assertEquals(Math.log(0.01158), first.logprob(), "real_topk[0] = [5, 0.01158]");
        assertEquals(Math.log(0.0623), first.top()[0]);
        assertEquals(20, first.top().length);
        Event last = events.get(events.size() - 1);
        assertTrue(last.isFinal());
        assertNull(last.finishReason(), "scoring has no finish reason");
        int zeroSampled = 0;
        double expected = 0;
        for (int t = 0; t < pred.size(); t++) {
            if (real.get(t).get(1).doubleValue() == 0) {
                zeroSampled++;
                assertFalse(events.get(t).hasLogprob());
            }
            double[] logs = new double[pred.get(t).size()];
            int zeros = 0;
            for (int j = 0; j < logs.length; j++) {
                double p = pred.get(t).get(j).get(1).doubleValue();
                logs[j] = Math.log(p);
                zeros += p == 0 ? 1 : 0;
            }
            assertEquals(20 - zeros, events.get(t).top().length, "zero probabilities dropped at step " + t);
            expected += EventChecks.topKEntropy(logs);
        }
        assertEquals(1, zeroSampled, "the recording has one sampled token whose probability rounds to 0");
        CompletedRollout r = EventChecks.replay(EventChecks.values(sink)).get("gltr:0");
        assertFalse(r.abandoned());
        assertClose(expected, r.entropySum(), "H_sum");
    }
}
