package dev.canopy.connectors.adapters;

/**
 * An adapter for a streamed response body (SSE or NDJSON). Feed it the body's bytes as they arrive,
 * split anywhere (also inside a UTF-8 sequence or a line ending), then call {@link #finish()} once.
 * Rollouts that the stream finished are published with {@code final}; rollouts still open at
 * {@link #finish()} are published without it (the monitor will count them as abandoned).
 *
 * <p>Not thread-safe. Never throws on malformed input: it reports it as a rejection and stops the
 * response's rollouts.
 */
public interface StreamingAdapter {

    void feed(byte[] bytes, int offset, int length);

    /** End of the body. Idempotent. */
    void finish();

    /** The body is cut short (client or upstream gone): open rollouts are published without {@code final}. Idempotent. */
    default void abort() {
        finish();
    }
}
