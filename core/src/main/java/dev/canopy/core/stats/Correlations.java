package dev.canopy.core.stats;

import org.apache.commons.math3.stat.correlation.KendallsCorrelation;
import org.apache.commons.math3.stat.correlation.SpearmansCorrelation;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * Pearson, Spearman (mid-ranks for ties) and Kendall tau-b between two samples, and their sample
 * covariance (n - 1 denominator), with METRICS.md's undefined cases: the three coefficients are NaN
 * (reported as null) when n < 2 or either side is constant; the covariance is NaN only when n < 2.
 * Spearman and Kendall are computed by {@link Ranks}, bit-identical to commons-math's implementations.
 */
public final class Correlations {

    private Correlations() {
    }

    /** The four statistics of one sample of pairs. NaN stands for undefined. */
    public record Coefficients(double pearson, double spearman, double kendall, double covariance) {
        public static final Coefficients UNDEFINED = new Coefficients(Double.NaN, Double.NaN, Double.NaN, Double.NaN);

        /** Writes the four values, in this order, for the stores' binary values. */
        public void write(DataOutput out) throws IOException {
            out.writeDouble(pearson);
            out.writeDouble(spearman);
            out.writeDouble(kendall);
            out.writeDouble(covariance);
        }

        /** Reads what {@link #write} wrote. */
        public static Coefficients read(DataInput in) throws IOException {
            return new Coefficients(in.readDouble(), in.readDouble(), in.readDouble(), in.readDouble());
        }
    }

    public static Coefficients of(double[] x, double[] y) {
        Coefficients linear = pearsonAndCovariance(x, y);
        if (Double.isNaN(linear.pearson())) {
            return linear;
        }
        double spearman;
        double kendall;
        if (Ranks.handles(x, y)) {
            // rank each side once for both coefficients
            Ranks rx = Ranks.of(x);
            Ranks ry = Ranks.of(y);
            spearman = clamp(Ranks.spearman(rx, ry));
            kendall = clamp(Ranks.kendall(rx, ry));
        } else {
            spearman = clamp(new SpearmansCorrelation().correlation(x, y));
            kendall = clamp(new KendallsCorrelation().correlation(x, y));
        }
        return new Coefficients(linear.pearson(), spearman, kendall, linear.covariance());
    }

    /**
     * Pearson and the covariance only (two passes), with the same undefined cases as {@link #of}; Spearman
     * and Kendall are left NaN. For callers that need the linear statistics many times (bootstrap replicates).
     */
    public static Coefficients pearsonAndCovariance(double[] x, double[] y) {
        int n = x.length;
        if (n < 2) {
            return Coefficients.UNDEFINED;
        }
        double mx = mean(x);
        double my = mean(y);
        double sxx = 0;
        double syy = 0;
        double sxy = 0;
        for (int i = 0; i < n; i++) {
            double dx = x[i] - mx;
            double dy = y[i] - my;
            sxx += dx * dx;
            syy += dy * dy;
            sxy += dx * dy;
        }
        double covariance = sxy / (n - 1);
        if (isConstant(x) || isConstant(y)) {
            return new Coefficients(Double.NaN, Double.NaN, Double.NaN, covariance);
        }
        return new Coefficients(clamp(sxy / Math.sqrt(sxx * syy)), Double.NaN, Double.NaN, covariance);
    }

    /** Pearson and covariance from streamed co-moments (used when the pairs are only a sample). */
    public static double pearson(Moments m) {
        if (m.count() < 2 || m.m2x() == 0 || m.m2y() == 0) {
            return Double.NaN;
        }
        return clamp(m.cxy() / Math.sqrt(m.m2x() * m.m2y()));
    }

    public static double covariance(Moments m) {
        return m.count() < 2 ? Double.NaN : m.cxy() / (m.count() - 1);
    }

    private static boolean isConstant(double[] v) {
        for (int i = 1; i < v.length; i++) {
            if (v[i] != v[0]) {
                return false;
            }
        }
        return true;
    }

    private static double mean(double[] v) {
        double s = 0;
        for (double d : v) {
            s += d;
        }
        double m = s / v.length;
        // one refinement pass, as numpy's two-pass mean does not drift on large offsets
        double c = 0;
        for (double d : v) {
            c += d - m;
        }
        return m + c / v.length;
    }

    private static double clamp(double rho) {
        return Double.isNaN(rho) ? rho : Math.max(-1.0, Math.min(1.0, rho));
    }
}
