package dev.canopy.core.stats;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * Streaming means, second moments and co-moment of (x, y) pairs (Welford's update, Chan et al.'s
 * merge): exact in exact arithmetic in any merge order, numerically stable in floating point.
 * Constant inputs give exactly zero second moments.
 */
public final class Moments {

    private long count;
    private double meanX;
    private double meanY;
    private double m2x;
    private double m2y;
    private double cxy;

    public void add(double x, double y) {
        count++;
        double dx = x - meanX;
        meanX += dx / count;
        double dy = y - meanY;
        meanY += dy / count;
        m2x += dx * (x - meanX);
        m2y += dy * (y - meanY);
        cxy += dx * (y - meanY);
    }

    public void merge(Moments o) {
        if (o.count == 0) {
            return;
        }
        if (count == 0) {
            count = o.count;
            meanX = o.meanX;
            meanY = o.meanY;
            m2x = o.m2x;
            m2y = o.m2y;
            cxy = o.cxy;
            return;
        }
        long n = count + o.count;
        double dx = o.meanX - meanX;
        double dy = o.meanY - meanY;
        double f = (double) count * o.count / n;
        m2x += o.m2x + dx * dx * f;
        m2y += o.m2y + dy * dy * f;
        cxy += o.cxy + dx * dy * f;
        meanX += dx * o.count / n;
        meanY += dy * o.count / n;
        count = n;
    }

    public long count() {
        return count;
    }

    public double meanX() {
        return meanX;
    }

    public double meanY() {
        return meanY;
    }

    public double m2x() {
        return m2x;
    }

    public double m2y() {
        return m2y;
    }

    public double cxy() {
        return cxy;
    }

    public void write(DataOutput out) throws IOException {
        out.writeLong(count);
        out.writeDouble(meanX);
        out.writeDouble(meanY);
        out.writeDouble(m2x);
        out.writeDouble(m2y);
        out.writeDouble(cxy);
    }

    public static Moments read(DataInput in) throws IOException {
        Moments m = new Moments();
        m.count = in.readLong();
        m.meanX = in.readDouble();
        m.meanY = in.readDouble();
        m.m2x = in.readDouble();
        m.m2y = in.readDouble();
        m.cxy = in.readDouble();
        return m;
    }
}
