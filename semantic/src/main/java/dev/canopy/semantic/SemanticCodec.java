package dev.canopy.semantic;

import dev.canopy.core.stats.Correlations;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInput;
import java.io.DataInputStream;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Binary forms of semantic results, for state stores and for exchanging results between monitor
 * instances. Doubles are written bit for bit (NaN included).
 */
public final class SemanticCodec {

    private static final int VERSION = 1;

    private SemanticCodec() {
    }

    public static void write(DataOutput out, SemanticMetrics.Prompt p) throws IOException {
        out.writeUTF(p.promptId());
        out.writeInt(p.rollouts());
        out.writeDouble(p.diversity());
        out.writeDouble(p.vendi());
        p.rateCorrelation().write(out);
        p.lengthCorrelation().write(out);
    }

    public static SemanticMetrics.Prompt readPrompt(DataInput in) throws IOException {
        return new SemanticMetrics.Prompt(in.readUTF(), in.readInt(), in.readDouble(), in.readDouble(), Correlations.Coefficients.read(in),
                Correlations.Coefficients.read(in));
    }

    public static void write(DataOutput out, SemanticMetrics m, SemanticCounts c) throws IOException {
        out.writeByte(VERSION);
        out.writeLong(c.withoutText());
        out.writeLong(c.embedded());
        out.writeLong(c.notSampled());
        out.writeLong(c.overBudget());
        out.writeLong(m.embedded());
        out.writeInt(m.perPrompt().size());
        for (SemanticMetrics.Prompt p : m.perPrompt()) {
            write(out, p);
        }
    }

    /** A release's result: the pooled metrics (re-pooled from the stored prompts) and its counts. */
    public record Result(SemanticMetrics metrics, SemanticCounts counts) {
    }

    public static Result read(DataInput in) throws IOException {
        int version = in.readByte();
        if (version != VERSION) {
            throw new IOException("unknown semantic result version " + version);
        }
        SemanticCounts c = new SemanticCounts(in.readLong(), in.readLong(), in.readLong(), in.readLong());
        long embedded = in.readLong();
        int n = in.readInt();
        List<SemanticMetrics.Prompt> per = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            per.add(readPrompt(in));
        }
        return new Result(SemanticMetrics.pool(embedded, per), c);
    }

    public static byte[] toBytes(SemanticMetrics m, SemanticCounts c) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + 96 * m.perPrompt().size());
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            write(out, m, c);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static Result fromBytes(byte[] b) {
        try {
            return read(new DataInputStream(new ByteArrayInputStream(b)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static byte[] toBytes(SemanticMetrics.Prompt p) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(96);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            write(out, p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static SemanticMetrics.Prompt promptFromBytes(byte[] b) {
        try {
            return readPrompt(new DataInputStream(new ByteArrayInputStream(b)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
