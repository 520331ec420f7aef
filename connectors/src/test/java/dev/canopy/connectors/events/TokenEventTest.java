package dev.canopy.connectors.events;

import dev.canopy.core.events.EventParser;
import dev.canopy.core.events.ParseResult;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TokenEventTest {

    private static final RolloutContext CTX = RolloutContext.of("llama-3.1-8b-chat", "ft-2026-11-20", "p-19c2", null);

    @Test
    void shouldWriteTheContractsPerTokenFormInFieldOrderOmittingAbsentValues() {
        TokenEvent e = new TokenEvent("req-7f3a:0", 17, -0.53, new double[]{-0.21, -1.9}, Double.NaN, null, -1, true, "stop");
        String json = new String(e.toRecord(CTX), StandardCharsets.UTF_8);
        assertEquals("{\"model\":\"llama-3.1-8b-chat\",\"release\":\"ft-2026-11-20\",\"rollout_id\":\"req-7f3a:0\","
                + "\"prompt_id\":\"p-19c2\",\"position\":17,\"logprob\":-0.53,\"top_logprobs\":[-0.21,-1.9],"
                + "\"final\":true,\"finish_reason\":\"stop\"}", json);
        ParseResult p = new EventParser().parse(e.toRecord(CTX));
        assertTrue(p.isAccepted());
        assertEquals(17, p.record().positions()[0]);
        assertEquals("stop", p.record().finishReason());
    }

    @Test
    void shouldRoundTripDoublesBitForBit() {
        double v = -0.00023476807109545916;
        TokenEvent e = new TokenEvent("x:0", 0, v, null, 1.234, "tok\"en", 1_764_000_000_123L, false, null);
        String json = new String(e.toRecord(CTX.withPromptId(null)), StandardCharsets.UTF_8);
        assertTrue(json.contains("\"logprob\":-2.3476807109545916E-4"));
        assertTrue(json.contains("\"entropy\":1.234"));
        assertTrue(json.contains("\"text\":\"tok\\\"en\""));
        assertTrue(json.contains("\"timestamp\":1764000000123"));
        assertTrue(!json.contains("prompt_id") && !json.contains("final"));
        assertEquals(v, Double.parseDouble("-2.3476807109545916E-4"));
    }
}
