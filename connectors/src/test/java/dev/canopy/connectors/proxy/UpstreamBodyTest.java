package dev.canopy.connectors.proxy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(30)
class UpstreamBodyTest {

    /** A subscription that records demand and cancellation. */
    private static final class Recorded implements Flow.Subscription {
        final AtomicLong requested = new AtomicLong();
        final AtomicBoolean cancelled = new AtomicBoolean();

        @Override
        public void request(long n) {
            requested.addAndGet(n);
        }

        @Override
        public void cancel() {
            cancelled.set(true);
        }
    }

    private static List<ByteBuffer> chunk(String s) {
        return List.of(ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void shouldReadChunksInOrderAskingForOneAtATimeAndEndAtCompletion() throws IOException {
        UpstreamBody body = new UpstreamBody(Duration.ofSeconds(10));
        Recorded s = new Recorded();
        body.onSubscribe(s);
        assertEquals(1, s.requested.get());
        body.onNext(List.of(ByteBuffer.wrap("ab".getBytes(StandardCharsets.UTF_8)), ByteBuffer.wrap("c".getBytes(StandardCharsets.UTF_8))));
        body.onNext(chunk("de"));
        body.onComplete();
        assertArrayEquals("abcde".getBytes(StandardCharsets.UTF_8), body.readAllBytes());
        assertEquals(-1, body.read());
        assertEquals(3, s.requested.get(), "one more chunk asked for after each one taken");
        body.close();
        assertTrue(!s.cancelled.get(), "a body read to its end is not cancelled");
    }

    @Test
    void shouldGiveUpAndCancelWhenNothingArrivesForTheIdleTimeout() throws IOException {
        UpstreamBody body = new UpstreamBody(Duration.ofMillis(200));
        Recorded s = new Recorded();
        body.onSubscribe(s);
        body.onNext(chunk("data: 1\n\n"));
        byte[] buf = new byte[64];
        assertEquals(9, body.read(buf, 0, buf.length));
        UpstreamBody.IdleException e = assertThrows(UpstreamBody.IdleException.class, () -> body.read(buf, 0, buf.length));
        assertEquals(Duration.ofMillis(200), e.idle());
        assertTrue(s.cancelled.get(), "the upstream body is cancelled, so its connection is dropped");
        assertEquals(-1, body.read(buf, 0, buf.length), "nothing more after the cut");
    }

    @Test
    void shouldPassOnTheUpstreamsFailureAsAnIoError() {
        UpstreamBody body = new UpstreamBody(Duration.ofSeconds(10));
        body.onSubscribe(new Recorded());
        body.onError(new IOException("connection reset"));
        assertEquals("connection reset", assertThrows(IOException.class, body::read).getMessage());
    }

    @Test
    void shouldTakeATimeoutTooLongForNanosecondsAsNoLimitRatherThanFail() throws IOException {
        UpstreamBody body = new UpstreamBody(Duration.ofDays(365L * 1000));
        body.onSubscribe(new Recorded());
        body.onNext(chunk("x"));
        body.onComplete();
        assertArrayEquals("x".getBytes(StandardCharsets.UTF_8), body.readAllBytes());
    }

    @Test
    void shouldCancelASubscriptionThatArrivesAfterClose() {
        UpstreamBody body = new UpstreamBody(Duration.ofSeconds(10));
        body.close();
        Recorded s = new Recorded();
        body.onSubscribe(s);
        assertTrue(s.cancelled.get());
        assertEquals(0, s.requested.get());
    }
}
