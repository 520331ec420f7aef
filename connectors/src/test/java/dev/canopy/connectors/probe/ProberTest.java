package dev.canopy.connectors.probe;

import com.fasterxml.jackson.databind.JsonNode;
import dev.canopy.connectors.EventChecks;
import dev.canopy.connectors.Recordings;
import dev.canopy.connectors.Recordings.OpenAiRecording;
import dev.canopy.connectors.ScriptedUpstream;
import dev.canopy.connectors.adapters.Json;
import dev.canopy.connectors.events.CollectingSink;
import dev.canopy.connectors.events.PromptIds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The prober against the scripted upstream, publishing into memory (the Kafka path is ProberIT's). */
@Timeout(30)
class ProberTest {

    @Test
    void shouldDeriveMissingPromptIdsFromTheSentMessagesAndCountFailedRequests() throws Exception {
        OpenAiRecording four = Recordings.openAi(Recordings.OPENAI_FILES.get(2));
        ProbeSet set = new ProbeSet(List.of(
                new ProbePrompt(null, null, four.question(), null, null),
                new ProbePrompt("unknown", null, "A question the upstream has no recording for", null, null)));
        try (ScriptedUpstream upstream = ScriptedUpstream.start(List.of(four))) {
            ProbeConfig config = ProbeConfig.builder(URI.create(upstream.uri() + "/v1/"), "gpt-4o", "r1", "127.0.0.1:9")
                    .samples(1).topLogprobs(3).build();
            CollectingSink sink = new CollectingSink();
            Prober.RoundSummary s;
            try (Prober prober = new Prober(config, set, sink, null)) {
                s = prober.runRound();
            }
            assertEquals(2, s.requests());
            assertEquals(1, s.failedRequests(), "HTTP 400 is counted, the round goes on");
            assertEquals(four.steps().size(), s.events());
            String expectedId = PromptIds.of(Json.read(("[{\"role\":\"user\",\"content\":\"" + four.question() + "\"}]")
                    .getBytes(StandardCharsets.UTF_8)));
            List<EventChecks.Event> events = EventChecks.accepted(sink.records());
            assertTrue(events.stream().allMatch(e -> e.json().get("prompt_id").asText().equals(expectedId)));
            JsonNode sent = upstream.received().get(0).json();
            assertEquals(3, sent.get("top_logprobs").asInt());
            assertEquals(256, sent.get("max_tokens").asInt());
            assertTrue(!sent.has("n"), "n is only sent for more than one sample");
        }
    }

    @Test
    void shouldRefuseChatOnlyProbesForTheCompletionsApi() {
        ProbeSet set = new ProbeSet(List.of(new ProbePrompt("m", null, null,
                Json.read("[{\"role\":\"user\",\"content\":\"hi\"}]".getBytes(StandardCharsets.UTF_8)), null)));
        ProbeConfig config = ProbeConfig.builder(URI.create("http://127.0.0.1:1/v1"), "m", "r", "k:9092")
                .api(ProbeConfig.Api.COMPLETIONS).build();
        assertThrows(IllegalArgumentException.class, () -> new Prober(config, set, new CollectingSink(), null));
    }
}
