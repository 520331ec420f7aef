package dev.canopy.connectors.adapters;

import java.io.ByteArrayOutputStream;

/**
 * Splits a byte stream into lines at LF, CRLF or a lone CR, whatever the pieces it arrives in (a CRLF
 * split across two pieces counts once). Lines are delivered without their terminator; a last line
 * without a terminator is delivered by {@link #finish()}.
 */
final class LineSplitter {

    interface LineConsumer {
        void line(byte[] buffer, int offset, int length);
    }

    private final LineConsumer consumer;
    private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
    private boolean afterCr;

    LineSplitter(LineConsumer consumer) {
        this.consumer = consumer;
    }

    void feed(byte[] b, int off, int len) {
        int end = off + len;
        int start = off;
        for (int i = off; i < end; i++) {
            byte c = b[i];
            if (c == '\n' && afterCr && i == start && partial.size() == 0) {
                // second half of a CRLF whose CR ended the previous line
                afterCr = false;
                start = i + 1;
                continue;
            }
            afterCr = false;
            if (c == '\n' || c == '\r') {
                emit(b, start, i - start);
                afterCr = c == '\r';
                start = i + 1;
            }
        }
        if (start < end) {
            partial.write(b, start, end - start);
        }
    }

    void finish() {
        if (partial.size() > 0) {
            byte[] rest = partial.toByteArray();
            partial.reset();
            consumer.line(rest, 0, rest.length);
        }
    }

    private void emit(byte[] b, int off, int len) {
        if (partial.size() > 0) {
            partial.write(b, off, len);
            byte[] line = partial.toByteArray();
            partial.reset();
            consumer.line(line, 0, line.length);
        } else {
            consumer.line(b, off, len);
        }
    }
}
