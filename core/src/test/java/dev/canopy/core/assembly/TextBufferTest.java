package dev.canopy.core.assembly;

import dev.canopy.core.events.TokenRecord;
import dev.canopy.core.replay.ReplayEngine;
import dev.canopy.core.assembly.CompletedRollout;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TextBufferTest {

    private static TokenRecord record(int[] positions, String... texts) {
        int n = positions.length;
        return new TokenRecord("m", "r", "x", "p", false, null, -1, positions, new double[n], new double[n], new byte[n], texts);
    }

    @Test
    void assemblesInPositionOrderWhateverTheArrivalOrderAndFirstPieceWins() {
        TextBuffer b = new TextBuffer();
        assertTrue(b.add(record(new int[] {2}, " sea"), 100));
        assertTrue(b.add(record(new int[] {0, 1}, "The", " blue"), 100));
        assertFalse(b.add(record(new int[] {1}, " green"), 100), "a repeated position keeps its first piece");
        assertEquals("The blue sea", b.text());
        assertEquals(12, b.chars());
    }

    @Test
    void dropsPiecesBeyondTheBudgetAndKeepsNullSteps() {
        TextBuffer b = new TextBuffer();
        b.add(record(new int[] {0, 1, 2, 3}, "abc", null, "de", "fghij"), 6);
        assertEquals("abcde", b.text());
        assertFalse(TextBuffer.hasText(record(new int[] {0}, (String) null)));
        assertTrue(TextBuffer.hasText(record(new int[] {0, 1}, null, "")));
    }

    @Test
    void replayIgnoresTextOfRetriesAfterCompletion() {
        List<String> seen = new ArrayList<>();
        ReplayEngine engine = new ReplayEngine(ReplayEngine.Options.defaults(), 100, (CompletedRollout r, String text) -> seen.add(text));
        for (String line : new String[] {
                "{\"model\":\"m\",\"release\":\"r\",\"rollout_id\":\"a\",\"position\":0,\"logprob\":-0.5,\"text\":\"Hi\"}",
                "{\"model\":\"m\",\"release\":\"r\",\"rollout_id\":\"a\",\"position\":1,\"logprob\":-0.1,\"text\":\" there\",\"final\":true,\"finish_reason\":\"stop\"}",
                "{\"model\":\"m\",\"release\":\"r\",\"rollout_id\":\"a\",\"position\":1,\"logprob\":-0.1,\"text\":\" there\",\"final\":true,\"finish_reason\":\"stop\"}"}) {
            byte[] b = line.getBytes(StandardCharsets.UTF_8);
            engine.accept(b, 0, b.length);
        }
        assertEquals(List.of("Hi there"), seen);
        assertEquals(1, engine.finish().groups().get(0).rollouts());
    }
}
