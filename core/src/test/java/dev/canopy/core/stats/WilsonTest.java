package dev.canopy.core.stats;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class WilsonTest {

    @Test
    void shouldMatchPublishedIntervals() {
        // Wilson 95% intervals as tabulated by Newcombe (1998), Statistics in Medicine 17:857-872, Table I.
        double[] a = Wilson.interval95(81, 263);
        assertEquals(0.2553, a[0], 5e-5);
        assertEquals(0.3662, a[1], 5e-5);
        double[] b = Wilson.interval95(15, 148);
        assertEquals(0.0624, b[0], 5e-5);
        assertEquals(0.1605, b[1], 5e-5);
    }

    @Test
    void shouldStayInsideZeroAndOneAtTheEdges() {
        double[] none = Wilson.interval95(0, 20);
        assertEquals(0.0, none[0], 0.0);
        assertEquals(0.1611, none[1], 5e-5);
        double[] all = Wilson.interval95(20, 20);
        assertEquals(1.0, all[1], 0.0);
        assertEquals(1 - 0.1611, all[0], 5e-5);
    }

    @Test
    void shouldRefuseImpossibleCounts() {
        assertThrows(IllegalArgumentException.class, () -> Wilson.interval95(1, 0));
        assertThrows(IllegalArgumentException.class, () -> Wilson.interval95(3, 2));
    }
}
