package dev.canopy.testsupport;

/**
 * Textbook statistics computed the plain way, as independent references for tests of the optimised
 * code in core and analysis.
 */
public final class ReferenceStatistics {

    private ReferenceStatistics() {
    }

    /**
     * Pearson's correlation of paired samples, by the two-pass definition. NaN when either sample has no
     * spread (and for fewer than two pairs); the lengths are assumed equal.
     */
    public static double pearson(double[] x, double[] y) {
        double mx = 0;
        double my = 0;
        for (int i = 0; i < x.length; i++) {
            mx += x[i];
            my += y[i];
        }
        mx /= x.length;
        my /= y.length;
        double sxy = 0;
        double sxx = 0;
        double syy = 0;
        for (int i = 0; i < x.length; i++) {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
            syy += (y[i] - my) * (y[i] - my);
        }
        return sxy / Math.sqrt(sxx * syy);
    }
}
