package dev.canopy.connectors.probe;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProbeSetTest {

    private static ProbeSet read(String text) throws IOException {
        return ProbeSet.read(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), "probes.jsonl");
    }

    @Test
    void shouldShipADefaultSetAcrossCodingMathStoriesAndCompletion() {
        ProbeSet set = ProbeSet.defaultSet();
        assertTrue(set.size() >= 30, "a few dozen prompts");
        Map<String, Long> byCategory = set.prompts().stream().collect(Collectors.groupingBy(ProbePrompt::category, Collectors.counting()));
        assertEquals(Map.of("coding", 9L, "math", 9L, "story", 9L, "completion", 9L), byCategory);
        assertTrue(set.prompts().stream().allMatch(p -> p.prompt() != null && p.id().matches("[a-z]+-\\d\\d")));
    }

    @Test
    void shouldReadJsonlWithMessagesAndLeaveMissingIdsToBeDerivedFromWhatIsSent() throws IOException {
        ProbeSet set = read("# comment\n{\"id\":\"a\",\"prompt\":\"Hello\",\"max_tokens\":32}\n\n"
                + "{\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"content\":\"Hi\"}]}\n"
                + "{\"prompt\":\"Hello again\"}\n");
        assertEquals(3, set.size());
        assertEquals(32, set.prompts().get(0).maxTokens());
        assertNull(set.prompts().get(1).prompt());
        assertNull(set.prompts().get(1).id());
        assertEquals("Be brief.", set.prompts().get(1).messages().get(0).get("content").asText());
        assertNull(set.prompts().get(2).id());
    }

    @Test
    void shouldReadPlainTextOnePromptPerLine() throws IOException {
        ProbeSet set = read("Write a haiku about rain.\n# skipped\nName three prime numbers.\n");
        assertEquals(2, set.size());
        assertEquals("Write a haiku about rain.", set.prompts().get(0).prompt());
        assertNull(set.prompts().get(0).id());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> read("Same.\nSame.\n")).getMessage().contains("appears twice"));
    }

    @Test
    void shouldNameFileAndLineOfAFormatError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> read("{\"id\":\"a\",\"prompt\":\"x\"}\n{\"id\":\"b\"}\n"));
        assertEquals("probes.jsonl line 2: needs exactly one of a non-empty \"prompt\" string or a non-empty \"messages\" array", e.getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> read("{\"id\":\"a\",\"prompt\":\"x\"}\n{\"id\":\"a\",\"prompt\":\"y\"}\n")).getMessage().contains("'a' appears twice"));
    }
}
