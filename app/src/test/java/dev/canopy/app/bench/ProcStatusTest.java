package dev.canopy.app.bench;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** {@code /proc/PID/status} as Linux writes it: sizes in kB become bytes, everything else is left out. */
class ProcStatusTest {

    private static final String STATUS = """
            Name:\tjava
            Umask:\t0022
            State:\tS (sleeping)
            Pid:\t4242
            VmPeak:\t 5123456 kB
            VmHWM:\t  812340 kB
            VmRSS:\t  700001 kB
            Threads:\t57
            voluntary_ctxt_switches:\t120
            """;

    @Test
    void shouldReadTheResidentSetAndItsPeakInBytes() {
        Map<String, Long> s = ProcStatus.parse(STATUS);
        assertEquals(700_001L * 1024, s.get("VmRSS"));
        assertEquals(812_340L * 1024, s.get("VmHWM"));
        assertEquals(5_123_456L * 1024, s.get("VmPeak"));
    }

    @Test
    void shouldLeaveOutFieldsThatAreNotSizes() {
        Map<String, Long> s = ProcStatus.parse(STATUS);
        assertFalse(s.containsKey("Pid"));
        assertFalse(s.containsKey("Threads"));
        assertFalse(s.containsKey("State"));
        assertEquals(3, s.size(), s.toString());
    }

    @Test
    void shouldSkipAMalformedSize() {
        assertEquals(Map.of("VmRSS", 2048L), ProcStatus.parse("VmHWM:\t12x kB\nVmRSS:\t2 kB\n"));
    }
}
