package dev.canopy.connectors.adapters;

import dev.canopy.connectors.Recordings;
import dev.canopy.connectors.Recordings.OpenAiRecording;
import dev.canopy.connectors.events.CollectingSink;
import dev.canopy.connectors.events.RolloutContext;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static dev.canopy.connectors.EventChecks.accepted;
import static dev.canopy.connectors.EventChecks.assertCompleteRollout;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Ollama has no recording here: the tests transcribe the recorded OpenAI chat stream into Ollama's NDJSON layout. */
class OllamaAdapterTest {

    private static final RolloutContext CTX = RolloutContext.of("gpt-4o", "2024-11-20", null, "ollama-1");

    @Test
    void shouldGiveExactlyTheEventsOfTheSameTokensServedOverTheOpenAiApi() {
        OpenAiRecording r = Recordings.openAi(Recordings.OPENAI_MAIN);
        CollectingSink viaOpenAi = new CollectingSink();
        StreamingAdapter o = OpenAiAdapter.stream(CTX, viaOpenAi);
        byte[] sse = r.sse();
        o.feed(sse, 0, sse.length);
        o.finish();

        CollectingSink viaOllama = new CollectingSink();
        StreamingAdapter a = OllamaAdapter.stream(CTX, viaOllama);
        byte[] ndjson = Recordings.ollamaChatNdjson(r);
        for (int off = 0; off < ndjson.length; off += 5) {
            a.feed(ndjson, off, Math.min(5, ndjson.length - off));
        }
        a.finish();
        assertEquals(viaOpenAi.jsonLines(), viaOllama.jsonLines());
        assertCompleteRollout(accepted(viaOllama.records()), 49, "stop");
    }

    @Test
    void shouldStopAtAnErrorLine() {
        OpenAiRecording r = Recordings.openAi(Recordings.OPENAI_MAIN);
        String ndjson = new String(Recordings.ollamaChatNdjson(r), StandardCharsets.UTF_8);
        String[] lines = ndjson.split("\n");
        String broken = lines[0] + "\n" + lines[1] + "\n{\"error\":\"model runner has unexpectedly stopped\"}\n";
        CollectingSink sink = new CollectingSink();
        OllamaAdapter.adaptResponse(broken.getBytes(StandardCharsets.UTF_8), CTX, sink);
        assertEquals(2, accepted(sink.records()).size());
        assertEquals(1, sink.rejections().size());
    }
}
