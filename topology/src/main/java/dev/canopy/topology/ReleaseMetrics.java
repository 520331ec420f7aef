package dev.canopy.topology;

import dev.canopy.core.stats.Correlations;
import dev.canopy.core.stats.GroupKey;
import dev.canopy.core.stats.GroupMetrics;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * A release's metrics as the aggregate last emitted them, kept in {@link StoreNames#RELEASE_METRICS} for the
 * exported series: computing them is the costly part (Spearman and Kendall over every prompt's pair sample),
 * so the aggregate computes them once per emit and the metrics publisher reads them, instead of decoding the
 * accumulators and computing them again every few seconds. Both {@link GroupMetrics} are kept without their
 * per-prompt list (empty here; the exported series do not use it, and with many prompts it would be most of
 * the value).
 *
 * @param firstSeen  the release's earliest rollout completion (epoch ms; Long.MAX_VALUE when none)
 * @param lastSeen   its latest (Long.MIN_VALUE when none)
 * @param cumulative metrics since the release was first seen
 * @param newest     its newest rolling window (the provisional one when it has rollouts), or null when none yet
 */
public record ReleaseMetrics(long firstSeen, long lastSeen, GroupMetrics cumulative, Window newest) {

    private static final byte VERSION = 1;

    /** A rolling window's bounds (epoch ms, end exclusive), whether it is closed, and its metrics. */
    public record Window(long start, long end, boolean closed, GroupMetrics metrics) {

        /** The newer of two windows ({@code a} may be null): the later end, the provisional one at the same end. */
        static Window newer(Window a, Window b) {
            if (a == null) {
                return b;
            }
            return b.end() > a.end() || (b.end() == a.end() && !b.closed()) ? b : a;
        }
    }

    public byte[] toBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(512);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(VERSION);
            out.writeUTF(cumulative.key().model());
            out.writeUTF(cumulative.key().release());
            out.writeLong(firstSeen);
            out.writeLong(lastSeen);
            write(cumulative, out);
            out.writeBoolean(newest != null);
            if (newest != null) {
                out.writeLong(newest.start());
                out.writeLong(newest.end());
                out.writeBoolean(newest.closed());
                write(newest.metrics(), out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static ReleaseMetrics fromBytes(byte[] data) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            byte version = in.readByte();
            if (version != VERSION) {
                throw new IOException("unsupported release metrics version " + version);
            }
            GroupKey key = new GroupKey(in.readUTF(), in.readUTF());
            long firstSeen = in.readLong();
            long lastSeen = in.readLong();
            GroupMetrics cumulative = read(key, in);
            Window newest = in.readBoolean() ? new Window(in.readLong(), in.readLong(), in.readBoolean(), read(key, in)) : null;
            return new ReleaseMetrics(firstSeen, lastSeen, cumulative, newest);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(GroupMetrics m, DataOutputStream out) throws IOException {
        out.writeLong(m.rollouts());
        out.writeInt(m.prompts());
        out.writeLong(m.tokens());
        out.writeLong(m.abandoned());
        for (double d : new double[] {m.ceStar(), m.ceStarUpper(), m.meanLength(), m.meanEntropyRate(), m.genPpl(),
                m.branchingFactor(), m.truncationRate(), m.lengthDriven(), m.coupling()}) {
            out.writeDouble(d);
        }
        m.lengthEntropyRate().write(out);
        write(m.pearsonInterval(), out);
        m.allRollouts().write(out);
        write(m.allPearsonInterval(), out);
        out.writeLong(m.exactSteps());
        out.writeLong(m.topkSteps());
        out.writeLong(m.surprisalSteps());
        out.writeBoolean(m.sampled());
    }

    private static GroupMetrics read(GroupKey key, DataInputStream in) throws IOException {
        long rollouts = in.readLong();
        int prompts = in.readInt();
        long tokens = in.readLong();
        long abandoned = in.readLong();
        double[] d = new double[9];
        for (int i = 0; i < d.length; i++) {
            d[i] = in.readDouble();
        }
        Correlations.Coefficients pooled = Correlations.Coefficients.read(in);
        double[] pooledInterval = doubles(in);
        Correlations.Coefficients all = Correlations.Coefficients.read(in);
        double[] allInterval = doubles(in);
        return new GroupMetrics(key, rollouts, prompts, tokens, abandoned, d[0], d[1], d[2], d[3], d[4], d[5], d[6],
                pooled, pooledInterval, all, allInterval, d[7], d[8], in.readLong(), in.readLong(), in.readLong(),
                in.readBoolean(), List.of());
    }

    private static void write(double[] values, DataOutputStream out) throws IOException {
        out.writeInt(values == null ? -1 : values.length);
        if (values != null) {
            for (double v : values) {
                out.writeDouble(v);
            }
        }
    }

    private static double[] doubles(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0) {
            return null;
        }
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = in.readDouble();
        }
        return out;
    }
}
