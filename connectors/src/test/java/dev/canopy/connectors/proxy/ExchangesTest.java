package dev.canopy.connectors.proxy;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class ExchangesTest {

    private static byte[] bytes(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) i;
        }
        return b;
    }

    @Test
    void readsAShortStreamWhole() throws IOException {
        byte[] body = bytes(100);
        assertArrayEquals(body, Exchanges.readUpTo(new ByteArrayInputStream(body), 1000));
        assertEquals(0, Exchanges.readUpTo(new ByteArrayInputStream(new byte[0]), 1000).length);
    }

    @Test
    void stopsAtTheLimitAndLeavesTheRestInTheStream() throws IOException {
        int size = 3 * Exchanges.COPY_BUFFER + 17;
        byte[] body = bytes(size);
        InputStream in = new ByteArrayInputStream(body);
        int limit = Exchanges.COPY_BUFFER + 5;
        byte[] head = Exchanges.readUpTo(in, limit);
        assertEquals(limit, head.length);
        assertEquals(body[limit - 1], head[limit - 1]);
        assertEquals(size - limit, in.readAllBytes().length);
    }
}
