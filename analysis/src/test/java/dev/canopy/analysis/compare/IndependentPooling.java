package dev.canopy.analysis.compare;

/**
 * An independent implementation of METRICS.md's Fisher-z pooling, written from the text (not from
 * core's Pooling), for the bootstrap tests to check the production code against.
 */
final class IndependentPooling {

    private IndependentPooling() {
    }

    static double atanhClipped(double rho) {
        double c = Math.max(-0.999999, Math.min(0.999999, rho));
        return 0.5 * Math.log((1 + c) / (1 - c));
    }

    /**
     * tanh of the (n - 3)-weighted mean of atanh(rho) over the defined coefficients; the plain mean on
     * the z scale when no prompt has a weight; NaN when none is defined.
     */
    static double fisher(double[] rho, long[] n) {
        double num = 0;
        double den = 0;
        double plain = 0;
        int finite = 0;
        for (int i = 0; i < rho.length; i++) {
            if (Double.isNaN(rho[i])) {
                continue;
            }
            double w = Math.max(n[i] - 3, 0);
            num += w * atanhClipped(rho[i]);
            den += w;
            plain += atanhClipped(rho[i]);
            finite++;
        }
        return den > 0 ? Math.tanh(num / den) : finite > 0 ? Math.tanh(plain / finite) : Double.NaN;
    }
}
