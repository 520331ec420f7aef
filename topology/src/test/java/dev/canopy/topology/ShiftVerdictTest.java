package dev.canopy.topology;

import dev.canopy.core.shift.ShiftDetector;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ShiftVerdictTest {

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void shouldReadBackEveryFieldTheWriterPublishes() {
        ShiftDetector.Result r = new ShiftDetector.Result(ShiftDetector.Metric.CE_STAR, ShiftDetector.Status.SHIFT, "up",
                1.25, 1.5, 0.25, 0.1, 0.4, 300, 280, 0.01);
        ShiftVerdict v = ShiftVerdict.parse(ShiftVerdict.toJson("chat", "v1", "v2", r, 1_764_000_000_000L, -1, -1));
        assertEquals(new ShiftVerdict("chat", "v1", "v2", "ce_star", "shift", "up", 0.25, 0.1, 0.4, 300, 280,
                1_764_000_000_000L), v);
    }

    @Test
    void shouldReadAnUndecidedVerdictWithNullDirectionAndNaNBounds() {
        ShiftDetector.Result r = new ShiftDetector.Result(ShiftDetector.Metric.GEN_PPL, ShiftDetector.Status.INSUFFICIENT_DATA,
                null, 3.0, 3.1, 0.1, Double.NaN, Double.NaN, 4, 5, 0.01);
        ShiftVerdict v = ShiftVerdict.parse(ShiftVerdict.toJson("chat", "v1", "v2", r, 7, -1, -1));
        assertNull(v.direction());
        assertTrue(Double.isNaN(v.low()) && Double.isNaN(v.high()));
        assertEquals("insufficient_data", v.status());
    }

    @Test
    void shouldRejectWhatIsNotAVerdictWithAReasonInsteadOfNull() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ShiftVerdict.parse(bytes("[1,2]")))
                .getMessage().contains("not a JSON object"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ShiftVerdict.parse(bytes("{\"model\":")))
                .getMessage().contains("unreadable JSON"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> ShiftVerdict.parse(bytes("{\"model\":\"chat\",\"baseline\":\"v1\",\"candidate\":\"v2\",\"metric\":\"ce_star\"}")))
                .getMessage().contains("missing \"status\""));
        assertThrows(IllegalArgumentException.class, () -> ShiftVerdict.parse(null));
    }
}
