package dev.canopy.testsupport;

public final class ReferenceStatistics {
    private ReferenceStatistics() {
    }

    public static double pearson(double[] x, double[] y) {
        double mx = 0.0;
        double my = 0.0;

        for (int i = 0; i < x.length; i++) {
            mx += x[i];
            my += y[i];
        }

        mx /= x.length;
        my /= y.length;
        double sxy = 0.0;
        double sxx = 0.0;
        double syy = 0.0;

        for (int i = 0; i < x.length; i++) {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
            syy += (y[i] - my) * (y[i] - my);
        }

        return sxy / Math.sqrt(sxx * syy);
    }
}
