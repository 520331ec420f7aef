package dev.canopy.connectors.proxy;

/**
 * Whether the bytes of an SSE stream seen so far end at an event boundary (a blank line, or nothing
 * yet), so that an event the proxy appends to a cut stream is not glued to a partial one. Only the
 * last four bytes are kept: enough for {@code \n\n}, {@code \r\r} and {@code \r\n\r\n}.
 */
final class SseBoundary {

    private static final int KEPT = 4;

    private int last = '\n';
    private int beforeLast = '\n';
    private int third = '\n';
    private int fourth = '\n';

    /** Takes note of the next {@code len} bytes of the stream. */
    void saw(byte[] b, int off, int len) {
        for (int i = Math.max(off, off + len - KEPT); i < off + len; i++) {
            fourth = third;
            third = beforeLast;
            beforeLast = last;
            last = b[i];
        }
    }

    /** Whether the stream so far ends with a blank line (or is empty). */
    boolean atEventEnd() {
        return (last == '\n' && beforeLast == '\n') || (last == '\r' && beforeLast == '\r')
                || (last == '\n' && beforeLast == '\r' && third == '\n' && fourth == '\r');
    }
}
