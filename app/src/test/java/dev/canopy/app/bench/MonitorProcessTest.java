package dev.canopy.app.bench;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The bench starts its monitor JVMs with the options the launcher would give them. */
class MonitorProcessTest {

    @Test
    void shouldGiveTheLaunchersOptionsWithTheHeapAsked() {
        assertEquals(List.of("-Xmx1g", "-XX:+ExitOnOutOfMemoryError"), MonitorProcess.jvmOptions(MonitorProcess.LAUNCHER_HEAP));
        assertEquals(List.of("-Xmx640m", "-XX:+ExitOnOutOfMemoryError"), MonitorProcess.jvmOptions("640m"));
        assertEquals("-Xmx1g -XX:+ExitOnOutOfMemoryError", new HistoryResult().monitorJvmOptions, "what the report names by default");
    }
}
