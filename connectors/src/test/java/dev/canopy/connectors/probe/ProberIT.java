package dev.canopy.connectors.probe;

import com.fasterxml.jackson.databind.JsonNode;
import dev.canopy.connectors.EventChecks;
import dev.canopy.connectors.KafkaTestSupport;
import dev.canopy.connectors.Recordings;
import dev.canopy.connectors.Recordings.OpenAiRecording;
import dev.canopy.connectors.ScriptedUpstream;
import dev.canopy.connectors.adapters.Json;
import dev.canopy.connectors.adapters.OpenAiAdapter;
import dev.canopy.connectors.events.CollectingSink;
import dev.canopy.connectors.events.RolloutContext;
import dev.canopy.connectors.events.RolloutIdGuard;
import dev.canopy.connectors.kafka.KafkaEventPublisher;
import dev.canopy.testsupport.EmbeddedBroker;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The prober over real HTTP against a scripted upstream replaying recordings, into a real embedded broker. */
@Timeout(60)
class ProberIT {

    @RegisterExtension
    static final EmbeddedBroker BROKER = new EmbeddedBroker();

    private static ProbeSet probes(List<OpenAiRecording> recordings) {
        List<ProbePrompt> prompts = new ArrayList<>();
        for (String q : recordings.stream().map(OpenAiRecording::question).distinct().toList()) {
            prompts.add(new ProbePrompt("q-" + prompts.size(), "qa", q, null, 64));
        }
        return new ProbeSet(prompts);
    }

    private void runAndCompare(boolean useN, String topic) throws Exception {
        List<OpenAiRecording> recordings = Recordings.allOpenAi();
        KafkaTestSupport.createTopic(BROKER.bootstrapServers(), topic);
        ProbeSet set = probes(recordings);
        try (ScriptedUpstream upstream = ScriptedUpstream.start(recordings)) {
            ProbeConfig config = ProbeConfig.builder(URI.create(upstream.uri() + "/v1"), "gpt-4o", "2024-11", BROKER.bootstrapServers())
                    .model("gpt-4o-probe").samples(2).useNParameter(useN).topLogprobs(5).maxTokens(128).topic(topic).build();
            Properties kafka = new Properties();
            kafka.put("linger.ms", "5");
            PrometheusRegistry registry = new PrometheusRegistry();
            Prober.RoundSummary summary;
            try (KafkaEventPublisher publisher = new KafkaEventPublisher(new KafkaEventPublisher.Settings(BROKER.bootstrapServers(), topic,
                    1 << 20, kafka), registry);
                 Prober prober = new Prober(config, set, publisher, registry)) {
                summary = prober.runRound();
                assertTrue(publisher.flush(Duration.ofSeconds(20)));
            }
            assertEquals(3, summary.prompts());
            assertEquals(useN ? 3 : 6, summary.requests());
            assertEquals(0, summary.failedRequests());

            for (ScriptedUpstream.Received r : upstream.received()) {
                JsonNode req = r.json();
                assertEquals("/v1/chat/completions", r.path());
                assertEquals("gpt-4o", req.get("model").asText());
                assertTrue(req.get("logprobs").asBoolean());
                assertEquals(5, req.get("top_logprobs").asInt());
                assertEquals(useN ? 2 : 1, req.path("n").asInt(1));
                assertEquals(64, req.get("max_tokens").asInt(), "the probe's own max_tokens");
                assertEquals(1.0, req.get("temperature").asDouble());
                assertEquals(false, req.get("stream").asBoolean());
            }

            // the same responses through the adapter directly, with the probes' prompt ids, in the same order
            CollectingSink direct = new CollectingSink();
            RolloutIdGuard guard = new RolloutIdGuard(100);
            List<byte[]> sent = upstream.sent();
            List<ScriptedUpstream.Received> received = upstream.received();
            for (int i = 0; i < sent.size(); i++) {
                String question = received.get(i).json().get("messages").get(0).get("content").asText();
                String promptId = set.prompts().stream().filter(p -> p.prompt().equals(question)).findFirst().orElseThrow().id();
                OpenAiAdapter.adaptResponse(sent.get(i), RolloutContext.of("gpt-4o-probe", "2024-11", promptId, null).withIdGuard(guard), direct);
            }
            List<byte[]> expected = EventChecks.values(direct);
            List<ConsumerRecord<byte[], byte[]>> consumed = KafkaTestSupport.readAll(BROKER.bootstrapServers(), topic, expected.size(),
                    Duration.ofSeconds(20));
            List<byte[]> values = KafkaTestSupport.values(consumed);
            assertEquals(expected.size(), values.size());
            assertEquals(summary.events(), values.size());
            String report = EventChecks.report(values);
            assertEquals(EventChecks.report(expected), report);
            assertTrue(report.contains("\"prompt_id\" : \"q-0\""), report);
            Set<String> rollouts = values.stream().map(v -> Json.read(v).get("rollout_id").asText()).collect(Collectors.toSet());
            assertEquals(6, rollouts.size(), "2 samples x 3 prompts, each its own rollout id: " + rollouts);
            assertEquals(6, EventChecks.replay(values).values().stream().filter(r -> !r.abandoned()).count());
        }
    }

    @Test
    void shouldSendOneRequestPerSampleAndPublishEventsThatReplayLikeTheAdapter() throws Exception {
        runAndCompare(false, "probe-tokens-1");
    }

    @Test
    void shouldAskForAllSamplesWithNAndMakeOneRolloutPerChoice() throws Exception {
        runAndCompare(true, "probe-tokens-2");
    }
}
