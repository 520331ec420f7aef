package dev.canopy.connectors.adapters;

import java.io.ByteArrayOutputStream;

/**
 * Server-sent events, as far as LLM servers use them: the {@code data} lines of an event are joined
 * with LF and delivered when a blank line ends the event; comment lines ({@code :...}) and other fields
 * ({@code event:}, {@code id:}, {@code retry:}) are ignored. Unlike a browser, a last event not
 * followed by a blank line is still delivered at {@link #finish()} (some servers end that way).
 */
public final class SseParser {

    /** Receives each event's data (bytes reused after the call returns). */
    public interface DataConsumer {
        void data(byte[] buffer, int offset, int length);
    }

    private final DataConsumer consumer;
    private final LineSplitter lines;
    private final ByteArrayOutputStream data = new ByteArrayOutputStream();
    private boolean hasData;

    public SseParser(DataConsumer consumer) {
        this.consumer = consumer;
        this.lines = new LineSplitter(this::line);
    }

    public void feed(byte[] b, int off, int len) {
        lines.feed(b, off, len);
    }

    public void finish() {
        lines.finish();
        dispatch();
    }

    private void line(byte[] b, int off, int len) {
        if (len == 0) {
            dispatch();
            return;
        }
        if (b[off] == ':') {
            return;
        }
        if (len >= 5 && b[off] == 'd' && b[off + 1] == 'a' && b[off + 2] == 't' && b[off + 3] == 'a'
                && (len == 4 || b[off + 4] == ':')) {
            int start = off + 5;
            if (start < off + len && b[start] == ' ') {
                start++;
            }
            if (hasData) {
                data.write('\n');
            }
            data.write(b, start, off + len - start);
            hasData = true;
        }
    }

    private void dispatch() {
        if (!hasData) {
            return;
        }
        byte[] d = data.toByteArray();
        data.reset();
        hasData = false;
        consumer.data(d, 0, d.length);
    }

    /** Whether the data is the OpenAI end marker {@code [DONE]}. */
    static boolean isDone(byte[] b, int off, int len) {
        return len == 6 && b[off] == '[' && b[off + 1] == 'D' && b[off + 2] == 'O' && b[off + 3] == 'N'
                && b[off + 4] == 'E' && b[off + 5] == ']';
    }
}
