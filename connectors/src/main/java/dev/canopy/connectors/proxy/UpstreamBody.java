package dev.canopy.connectors.proxy;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * An upstream response body read as an {@link InputStream} whose {@code read} gives up when nothing has
 * arrived for {@code idleTimeout}: it then cancels the body (the HTTP client closes the connection) and
 * throws {@link IdleException}. The JDK's own {@code BodyHandlers.ofInputStream()} blocks without limit
 * once the headers are in, so an upstream that stops sending mid-stream would hold a proxy thread for
 * good. One chunk is requested at a time, so at most one chunk of the client's buffers is held here.
 * Read by one thread; the HTTP client's threads only enqueue.
 */
final class UpstreamBody extends InputStream implements Flow.Subscriber<List<ByteBuffer>> {

    /** The upstream sent nothing for the idle timeout; the body has been cancelled. */
    static final class IdleException extends IOException {
        private final Duration idle;

        IdleException(Duration idle) {
            super("upstream sent nothing for " + idle);
            this.idle = idle;
        }

        Duration idle() {
            return idle;
        }
    }

    private static final Object END = new Object();

    private final LinkedBlockingQueue<Object> arrived = new LinkedBlockingQueue<>();
    private final Duration idleTimeout;
    private final long idleNanos;
    private volatile Flow.Subscription subscription;
    private volatile boolean cancelled;
    private Iterator<ByteBuffer> chunk = List.<ByteBuffer>of().iterator();
    private ByteBuffer current;
    private boolean ended;

    UpstreamBody(Duration idleTimeout) {
        this.idleTimeout = idleTimeout;
        long nanos;
        try {
            nanos = idleTimeout.toNanos();
        } catch (ArithmeticException tooLong) {
            nanos = Long.MAX_VALUE; // beyond 292 years: no limit in practice
        }
        this.idleNanos = nanos;
    }

    // ------------------------------------------------------------------ Flow.Subscriber (HTTP client threads)

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        if (cancelled) {
            s.cancel();
        } else {
            s.request(1);
        }
    }

    @Override
    public void onNext(List<ByteBuffer> item) {
        arrived.add(item);
    }

    @Override
    public void onError(Throwable t) {
        arrived.add(t);
    }

    @Override
    public void onComplete() {
        arrived.add(END);
    }

    // ------------------------------------------------------------------ InputStream (the request's thread)

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (current == null || !current.hasRemaining()) {
            if (chunk.hasNext()) {
                current = chunk.next();
                continue;
            }
            if (ended) {
                return -1;
            }
            next();
        }
        int n = Math.min(len, current.remaining());
        current.get(b, off, n);
        return n;
    }

    @SuppressWarnings("unchecked")
    private void next() throws IOException {
        Object item;
        try {
            item = arrived.poll(idleNanos, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new InterruptedIOException("interrupted while reading the upstream response");
        }
        if (item == null) {
            close();
            throw new IdleException(idleTimeout);
        }
        if (item == END) {
            ended = true;
        } else if (item instanceof Throwable t) {
            ended = true;
            throw t instanceof IOException io ? io : new IOException("upstream response failed: " + t, t);
        } else {
            chunk = ((List<ByteBuffer>) item).iterator();
            Flow.Subscription s = subscription;
            if (s != null) {
                s.request(1);
            }
        }
    }

    /** Cancels the body if it has not ended (the connection is then not reused). Idempotent. */
    @Override
    public void close() {
        if (!ended) {
            ended = true;
            cancelled = true;
            Flow.Subscription s = subscription;
            if (s != null) {
                s.cancel();
            }
        }
        arrived.clear();
        chunk = List.<ByteBuffer>of().iterator();
        current = null;
    }
}
