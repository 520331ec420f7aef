package dev.canopy.connectors.proxy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Applies {@link LogprobStripper} to each {@code data:} line of an SSE stream as the bytes pass through.
 * Lines end at LF, CR or CRLF; a complete line is written out at once, an incomplete one waits for its
 * end (an SSE event always ends with a line end, so no event is delayed). Lines other than
 * {@code data: {...}} and line terminators are copied byte for byte. A JSON payload split over several
 * {@code data:} lines of one event (allowed by SSE, not used by LLM servers) is not recognised and is
 * relayed unchanged.
 */
final class SseLogprobStripper {

    private final ByteArrayOutputStream partial = new ByteArrayOutputStream();

    /** Writes every complete line of {@code b[off, off+len)} (stripped) to {@code out}; keeps the rest. */
    void process(byte[] b, int off, int len, OutputStream out) throws IOException {
        int end = off + len;
        int start = off;
        for (int i = off; i < end; i++) {
            byte c = b[i];
            if (c == '\n' || c == '\r') {
                int contentEnd = i;
                int lineEnd = i + 1;
                if (c == '\r' && i + 1 < end && b[i + 1] == '\n') {
                    lineEnd = i + 2;
                    i++;
                }
                line(b, start, contentEnd, lineEnd, out);
                start = lineEnd;
            }
        }
        if (start < end) {
            partial.write(b, start, end - start);
        }
    }

    /** Writes what is left (a last line without terminator). */
    void finish(OutputStream out) throws IOException {
        if (partial.size() > 0) {
            byte[] rest = partial.toByteArray();
            partial.reset();
            writeLine(rest, 0, rest.length, rest.length, out);
        }
    }

    private void line(byte[] b, int start, int contentEnd, int lineEnd, OutputStream out) throws IOException {
        if (partial.size() > 0) {
            partial.write(b, start, lineEnd - start);
            byte[] whole = partial.toByteArray();
            partial.reset();
            writeLine(whole, 0, whole.length - (lineEnd - contentEnd), whole.length, out);
        } else {
            writeLine(b, start, contentEnd, lineEnd, out);
        }
    }

    private static void writeLine(byte[] b, int start, int contentEnd, int lineEnd, OutputStream out) throws IOException {
        int len = contentEnd - start;
        if (len > 5 && b[start] == 'd' && b[start + 1] == 'a' && b[start + 2] == 't' && b[start + 3] == 'a' && b[start + 4] == ':') {
            int payload = start + 5;
            if (payload < contentEnd && b[payload] == ' ') {
                payload++;
            }
            if (payload < contentEnd && b[payload] == '{') {
                byte[] stripped = LogprobStripper.strip(b, payload, contentEnd - payload);
                if (stripped != null) {
                    out.write(b, start, payload - start);
                    out.write(stripped);
                    out.write(b, contentEnd, lineEnd - contentEnd);
                    return;
                }
            }
        }
        out.write(b, start, lineEnd - start);
    }
}
