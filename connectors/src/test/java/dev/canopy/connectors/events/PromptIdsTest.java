package dev.canopy.connectors.events;

import dev.canopy.connectors.adapters.Json;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PromptIdsTest {

    private static String id(String json) {
        return PromptIds.of(Json.read(json.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void shouldIgnoreKeyOrderAndWhitespaceButNotContent() {
        String a = id("[{\"role\":\"user\",\"content\":\"What is 4+4?\"}]");
        String b = id("[ { \"content\" : \"What is 4+4?\",\n \"role\" : \"user\" } ]");
        assertEquals(a, b);
        assertNotEquals(a, id("[{\"role\":\"user\",\"content\":\"What is 4+5?\"}]"));
        assertNotEquals(a, id("[{\"role\":\"system\",\"content\":\"What is 4+4?\"}]"));
        assertTrue(a.matches("p-[0-9a-f]{32}"), a);
    }

    @Test
    void shouldHashAPlainPromptLikeTheJsonStringOfACompletionRequest() {
        assertEquals(PromptIds.ofText("Once upon a time"), id("\"Once upon a time\""));
    }
}
