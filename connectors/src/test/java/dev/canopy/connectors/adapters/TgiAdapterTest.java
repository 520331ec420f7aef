package dev.canopy.connectors.adapters;

import com.fasterxml.jackson.databind.JsonNode;
import dev.canopy.connectors.EventChecks;
import dev.canopy.connectors.EventChecks.Event;
import dev.canopy.connectors.Recordings;
import dev.canopy.connectors.events.CollectingSink;
import dev.canopy.connectors.events.RolloutContext;
import dev.canopy.core.assembly.CompletedRollout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;

import static dev.canopy.connectors.EventChecks.accepted;
import static dev.canopy.connectors.EventChecks.assertClose;
import static dev.canopy.connectors.EventChecks.assertCompleteRollout;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

class TgiAdapterTest {

    private static final RolloutContext CTX = RolloutContext.of("bloom-560m", "tgi-snapshot", null, "tgi-req");

    static List<String> recordings() {
        return Recordings.TGI_FILES;
    }

    @ParameterizedTest
    @MethodSource("recordings")
    void shouldEmitTheGeneratedTokensNotThePrefillWithTheirLogprobsAndFinishLength(String file) {
        JsonNode payload = Recordings.json(file);
        JsonNode tokens = payload.get("details").get("tokens");
        CollectingSink sink = new CollectingSink();
        TgiAdapter.adaptGenerate(Recordings.bytes(file), CTX, sink);
        List<Event> events = accepted(sink.records());
        assertCompleteRollout(events, tokens.size(), "length");
        for (int t = 0; t < tokens.size(); t++) {
            assertEquals(tokens.get(t).get("logprob").doubleValue(), events.get(t).logprob(), "logprob at " + t);
            assertNull(events.get(t).top(), "no top_tokens requested: sampled logprob only");
        }
        double expected = 0;
        for (JsonNode t : tokens) {
            expected += -t.get("logprob").doubleValue();
        }
        CompletedRollout r = EventChecks.replay(EventChecks.values(sink)).get("tgi-req:0");
        assertFalse(r.abandoned());
        assertEquals(tokens.size(), r.surprisalSteps());
        assertClose(expected, r.entropySum(), "surprisal sum");
    }

    @ParameterizedTest
    @MethodSource("recordings")
    void shouldGiveTheSameEventsFromTheStreamedForm(String file) {
        CollectingSink whole = new CollectingSink();
        TgiAdapter.adaptGenerate(Recordings.bytes(file), CTX, whole);
        CollectingSink streamed = new CollectingSink();
        StreamingAdapter a = TgiAdapter.stream(CTX, streamed);
        byte[] sse = Recordings.tgiStream(Recordings.json(file));
        for (int off = 0; off < sse.length; off += 11) {
            a.feed(sse, off, Math.min(11, sse.length - off));
        }
        a.finish();
        assertEquals(whole.jsonLines(), streamed.jsonLines());
    }
}
