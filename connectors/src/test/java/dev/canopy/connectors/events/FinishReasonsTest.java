package dev.canopy.connectors.events;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class FinishReasonsTest {

    @Test
    void shouldMapServerWordsOntoStopAndLength() {
        for (String w : new String[]{"stop", "eos", "EOS_TOKEN", "stop_sequence", "word"}) {
            assertEquals("stop", FinishReasons.normalise(w), w);
        }
        for (String w : new String[]{"length", "limit", "max_tokens", "model_length"}) {
            assertEquals("length", FinishReasons.normalise(w), w);
        }
        assertEquals("tool_calls", FinishReasons.normalise("tool_calls"));
        assertNull(FinishReasons.normalise("none"));
        assertNull(FinishReasons.normalise(null));
    }
}
