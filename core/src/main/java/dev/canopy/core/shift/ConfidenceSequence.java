package dev.canopy.core.shift;

/**
 * Two-sided asymptotic confidence sequences for a mean (Waudby-Smith, Wu, Ramdas, Karampatziakis and
 * Mineiro, "Time-uniform central limit theory and asymptotic confidence sequences", 2021; the normal
 * mixture boundary of Robbins and of Howard et al.). With the sample mean of t observations whose
 * standard deviation is estimated as s, the interval
 * <pre>
 *   mean ± s · sqrt( 2 (t ρ² + 1) / (t² ρ²) · log( sqrt(t ρ² + 1) / α ) )
 * </pre>
 * covers the true mean at every t simultaneously with probability about 1 − α (asymptotically, as
 * for a CLT interval), so it may be looked at after every observation without inflating the
 * false-alarm rate, unlike a fixed-sample interval recomputed each minute. ρ tunes where the boundary
 * is tightest; {@link #rho(double, double)} picks it for a target sample size.
 */
public final class ConfidenceSequence {

    private ConfidenceSequence() {
    }

    /** The mixture parameter that makes the boundary tightest near {@code targetSize} observations. */
    public static double rho(double targetSize, double alpha) {
        double l = -2 * Math.log(alpha);
        return Math.sqrt((l + Math.log(l + 1)) / targetSize);
    }

    /**
     * Half-width of the (1 − α) confidence sequence after {@code t} observations of standard deviation
     * {@code sd}: sd · sqrt(2(tρ²+1)/(t²ρ²) · log(sqrt(tρ²+1)/α)).
     */
    public static double radius(double t, double sd, double alpha, double rho) {
        if (t <= 0) {
            return Double.POSITIVE_INFINITY;
        }
        double r2 = rho * rho;
        double v = t * r2 + 1;
        return sd * Math.sqrt(2 * v / (t * t * r2) * Math.log(Math.sqrt(v) / alpha));
    }
}
