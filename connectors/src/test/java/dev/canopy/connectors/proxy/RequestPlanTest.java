package dev.canopy.connectors.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.Headers;
import dev.canopy.connectors.adapters.Json;
import dev.canopy.connectors.events.PromptIds;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RequestPlanTest {

    private static ProxyConfig.Builder config() {
        return ProxyConfig.builder(URI.create("http://127.0.0.1:8000"), "k:9092", "r1");
    }

    private static RequestPlan plan(String path, String body, Headers headers, ProxyConfig config) {
        return RequestPlan.analyse("POST", path, headers, body.getBytes(StandardCharsets.UTF_8), config);
    }

    @Test
    void shouldAddLogprobsToAChatRequestKeepingTheClientsNumbersAsWritten() {
        RequestPlan p = plan("/v1/chat/completions", "{\"model\":\"m\",\"temperature\":0.70,\"seed\":12345678901234567890,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"logprobs\":false}", new Headers(), config().topLogprobs(5).build());
        assertTrue(p.instrument && p.strip);
        String sent = new String(p.upstreamBody, StandardCharsets.UTF_8);
        assertEquals("{\"model\":\"m\",\"temperature\":0.70,\"seed\":12345678901234567890,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"logprobs\":true,\"top_logprobs\":5}", sent);
    }

    @Test
    void shouldLeaveARequestThatAskedForLogprobsUntouched() {
        RequestPlan p = plan("/v1/completions", "{\"model\":\"m\",\"prompt\":\"x\",\"logprobs\":2}", new Headers(), config().topLogprobs(5).build());
        assertTrue(p.instrument);
        assertFalse(p.strip);
        assertNull(p.upstreamBody, "forwarded as received");
    }

    @Test
    void shouldAskLegacyCompletionsForKCandidatesAndChatForNoneWhenKIsZero() {
        JsonNode legacy = Json.read(plan("/v1/completions", "{\"model\":\"m\",\"prompt\":\"x\"}", new Headers(), config().topLogprobs(5).build()).upstreamBody);
        assertEquals(5, legacy.get("logprobs").asInt());
        JsonNode chat = Json.read(plan("/v1/chat/completions", "{\"model\":\"m\",\"messages\":[],\"top_logprobs\":3}", new Headers(),
                config().topLogprobs(0).build()).upstreamBody);
        assertTrue(chat.get("logprobs").asBoolean());
        assertFalse(chat.has("top_logprobs"));
    }

    @Test
    void shouldNotInstrumentWhatItCannotMeasureCorrectly() {
        ProxyConfig c = config().topLogprobs(5).build();
        assertEquals("echo", plan("/v1/completions", "{\"model\":\"m\",\"prompt\":\"x\",\"echo\":true}", new Headers(), c).skipReason);
        assertEquals("not_json", plan("/v1/chat/completions", "model=m", new Headers(), c).skipReason);
        Headers gz = new Headers();
        gz.add("Content-Encoding", "gzip");
        assertEquals("compressed_request", plan("/v1/chat/completions", "{}", gz, c).skipReason);
        assertEquals("no_model", plan("/v1/chat/completions", "{\"messages\":[]}", new Headers(), c).skipReason);
        assertEquals("logprobs_not_requested", plan("/v1/chat/completions", "{\"model\":\"m\"}", new Headers(), config().build()).skipReason);
        assertEquals(RequestPlan.Endpoint.OTHER, RequestPlan.endpointOf("GET", "/v1/chat/completions"));
        assertEquals(RequestPlan.Endpoint.OTHER, RequestPlan.endpointOf("POST", "/v1/embeddings"));
    }

    @Test
    void shouldTakeTheModelFromAHeaderOrAFixedNameAndHashThePromptWhenAsked() {
        Headers h = new Headers();
        h.add("X-Served-Model", "llama-3.1-8b-ft");
        String body = "{\"model\":\"alias\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"logprobs\":true}";
        RequestPlan fromHeader = plan("/v1/chat/completions", body, h, config().modelSource(ModelSource.parse("header:x-served-model")).hashPromptIds(true).build());
        assertEquals("llama-3.1-8b-ft", fromHeader.model);
        assertEquals(PromptIds.of(Json.read("[{\"content\":\"hi\",\"role\":\"user\"}]".getBytes(StandardCharsets.UTF_8))), fromHeader.promptId);
        RequestPlan fixed = plan("/v1/chat/completions", body, h, config().modelSource(ModelSource.fixed("prod-chat")).build());
        assertEquals("prod-chat", fixed.model);
        assertNull(fixed.promptId, "no prompt ids unless hashing is on");
    }
}
