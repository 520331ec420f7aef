package dev.canopy.core.events;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EventWriterTest {

    private static final EventWriter.Rollout ROLLOUT = new EventWriter.Rollout("m", "r1", "x:0", "p-1");

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    @Test
    void shouldWriteEveryFieldOfAPerTokenRecordInContractOrder() {
        byte[] rec = EventWriter.token(ROLLOUT, new EventWriter.Step(3, -0.25, 1.5, new double[] {-0.25, -1.87}, " river"),
                new EventWriter.Tail(true, "length", 1_764_000_000_000L));
        assertEquals("{\"model\":\"m\",\"release\":\"r1\",\"rollout_id\":\"x:0\",\"prompt_id\":\"p-1\",\"position\":3,"
                + "\"logprob\":-0.25,\"entropy\":1.5,\"top_logprobs\":[-0.25,-1.87],\"text\":\" river\","
                + "\"final\":true,\"finish_reason\":\"length\",\"timestamp\":1764000000000}", text(rec));
        ParseResult p = new EventParser().parse(rec);
        assertTrue(p.isAccepted(), () -> p.reason() + " " + p.detail());
        assertEquals("length", p.record().finishReason());
        assertEquals(1_764_000_000_000L, p.record().timestamp());
    }

    @Test
    void shouldOmitAbsentValuesRatherThanWriteNull() {
        byte[] rec = EventWriter.token(new EventWriter.Rollout("m", "r1", "x:0", null),
                new EventWriter.Step(0, Double.NaN, Double.NaN, null, null), new EventWriter.Tail(true, null, -1));
        assertEquals("{\"model\":\"m\",\"release\":\"r1\",\"rollout_id\":\"x:0\",\"position\":0,\"final\":true}", text(rec));
        String notFinal = text(EventWriter.token(ROLLOUT, new EventWriter.Step(1, -0.5, Double.NaN, null, null),
                new EventWriter.Tail(false, "stop", -1)));
        assertFalse(notFinal.contains("final") || notFinal.contains("finish_reason") || notFinal.contains("timestamp"), notFinal);
    }

    @Test
    void shouldRoundTripDoublesBitForBit() {
        double v = -0.00023476807109545916;
        String json = text(EventWriter.token(ROLLOUT, new EventWriter.Step(0, v, Double.MIN_VALUE, null, "tok\"en\n"),
                EventWriter.Tail.notFinal(5)));
        assertTrue(json.contains("\"logprob\":-2.3476807109545916E-4"), json);
        assertEquals(v, Double.parseDouble("-2.3476807109545916E-4"));
        assertTrue(json.contains("\"entropy\":4.9E-324"), json);
        assertFalse(json.contains("\n"), "a record must stay on one line");
    }

    @Test
    void shouldWriteAChunkTheParserAcceptsAsOneRecordWithAllSteps() {
        List<EventWriter.Step> steps = List.of(
                new EventWriter.Step(0, -0.1, Double.NaN, new double[] {-0.1, -2.5}, null),
                new EventWriter.Step(1, -1.2, 1.7, null, null));
        byte[] chunk = EventWriter.chunk(ROLLOUT, steps, new EventWriter.Tail(true, "stop", 9));
        ParseResult p = new EventParser().parse(chunk);
        assertTrue(p.isAccepted(), () -> p.reason() + " " + p.detail());
        assertArrayEquals(new int[] {0, 1}, p.record().positions());
        assertTrue(p.record().isFinal());
        assertEquals(1.7, p.record().entropies()[1]);
        assertTrue(text(chunk).endsWith("],\"final\":true,\"finish_reason\":\"stop\",\"timestamp\":9}"), text(chunk));
    }

    @Test
    void shouldRefuseAnEmptyChunk() {
        assertThrows(IllegalArgumentException.class, () -> EventWriter.chunk(ROLLOUT, List.of(), EventWriter.Tail.notFinal(-1)));
    }
}
