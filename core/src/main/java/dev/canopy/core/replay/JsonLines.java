package dev.canopy.core.replay;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPInputStream;

/**
 * Reads JSONL (one record per line, optionally gzip-compressed: detected from the content, not the
 * file name) as byte ranges, without decoding to strings. Blank lines are not records.
 */
public final class JsonLines {

    /** Receives one line's bytes; the array is reused after the call returns. */
    @FunctionalInterface
    public interface LineConsumer {
        void accept(byte[] buffer, int offset, int length);
    }

    private JsonLines() {
    }

    /** Opens a file, transparently decompressing gzip. */
    public static InputStream open(Path file) throws IOException {
        return open(file, new AtomicLong());
    }

    /** Opens a file, transparently decompressing gzip, adding the raw bytes read to {@code bytesRead}. */
    public static InputStream open(Path file, AtomicLong bytesRead) throws IOException {
        InputStream raw = new FilterInputStream(Files.newInputStream(file)) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                if (n > 0) {
                    bytesRead.addAndGet(n);
                }
                return n;
            }
        };
        InputStream in = new BufferedInputStream(raw, 1 << 16);
        in.mark(2);
        int b1 = in.read();
        int b2 = in.read();
        in.reset();
        if (b1 == 0x1f && b2 == 0x8b) {
            return new BufferedInputStream(new GZIPInputStream(in, 1 << 16), 1 << 16);
        }
        return in;
    }

    /** Calls {@code consumer} for each non-blank line; returns the number of lines delivered. */
    public static long forEach(InputStream in, LineConsumer consumer) throws IOException {
        byte[] buf = new byte[1 << 16];
        int start = 0;
        int end = 0;
        long lines = 0;
        while (true) {
            int scan = start;
            int nl = -1;
            while (true) {
                for (int i = scan; i < end; i++) {
                    if (buf[i] == '\n') {
                        nl = i;
                        break;
                    }
                }
                if (nl >= 0) {
                    break;
                }
                scan = end;
                if (start > 0) {
                    System.arraycopy(buf, start, buf, 0, end - start);
                    scan -= start;
                    end -= start;
                    start = 0;
                }
                if (end == buf.length) {
                    buf = Arrays.copyOf(buf, buf.length * 2);
                }
                int n = in.read(buf, end, buf.length - end);
                if (n < 0) {
                    if (end > start && !isBlank(buf, start, end)) {
                        consumer.accept(buf, start, trimCr(buf, start, end) - start);
                        lines++;
                    }
                    return lines;
                }
                end += n;
            }
            if (!isBlank(buf, start, nl)) {
                consumer.accept(buf, start, trimCr(buf, start, nl) - start);
                lines++;
            }
            start = nl + 1;
        }
    }

    private static int trimCr(byte[] buf, int start, int end) {
        return end > start && buf[end - 1] == '\r' ? end - 1 : end;
    }

    private static boolean isBlank(byte[] buf, int start, int end) {
        for (int i = start; i < end; i++) {
            byte b = buf[i];
            if (b != ' ' && b != '\t' && b != '\r') {
                return false;
            }
        }
        return true;
    }
}
