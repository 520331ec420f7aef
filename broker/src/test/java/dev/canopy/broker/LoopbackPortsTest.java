package dev.canopy.broker;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;

import org.junit.jupiter.api.Test;

class LoopbackPortsTest {

    private static final int PICKS = 50;

    @Test
    void shouldPickValidPortsOtherThanTheOneToAvoid() {
        int avoid = LoopbackPorts.freePort(-1);
        for (int i = 0; i < PICKS; i++) {
            int p = LoopbackPorts.freePort(avoid);
            assertTrue(p > 0 && p <= 65_535, "port in range: " + p);
            assertNotEquals(avoid, p);
        }
    }

    @Test
    void shouldReportAPortHeldOnLoopbackAsTakenAndFailNamingIt() throws IOException {
        try (ServerSocket held = new ServerSocket(0, 1, InetAddress.getByName(LoopbackPorts.HOST))) {
            int port = held.getLocalPort();
            assertFalse(LoopbackPorts.isFree(port));
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> LoopbackPorts.requireFree(port));
            assertTrue(e.getMessage().contains("port " + port + " on 127.0.0.1 is already in use"), e.getMessage());
            assertInstanceOf(IOException.class, e.getCause());
        }
    }

    @Test
    void shouldReportAPortFreeAgainOnceItsHolderClosed() throws IOException {
        int port;
        try (ServerSocket held = new ServerSocket(0, 1, InetAddress.getByName(LoopbackPorts.HOST))) {
            port = held.getLocalPort();
        }
        assertTrue(LoopbackPorts.isFree(port));
        LoopbackPorts.requireFree(port);
    }
}
