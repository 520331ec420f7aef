package dev.canopy.core.assembly;

/**
 * A sum of non-negative doubles that does not depend on the order of the terms: each term is split
 * into its integer part and its fraction truncated to 2^-60, and both are added as integers, which
 * is associative. Each term loses at most 2^-60 (about 8.7e-19) on entry, so the total is within
 * n x 8.7e-19 of the exact sum — far inside the 1e-9 the monitor promises — and two rollouts with the
 * same steps get the bitwise same sum however their records arrived. That keeps ties in the rank
 * correlations identical between replay and the streaming monitor.
 *
 * <p>Terms up to 2^52 and up to 2^63 of them at that size; entropies and surprisals are far below.
 * The two parts live as plain fields of {@link RolloutState} (no object per sum, for its heap budget).
 */
final class FixedPointSum {

    private static final double FRACTION_SCALE = 0x1p60;
    static final long ONE = 1L << 60;

    private FixedPointSum() {
    }

    /** The integer part of a term, checking its range. */
    static long whole(double term) {
        if (!(term >= 0) || term >= 0x1p52) {
            throw new IllegalArgumentException("term out of range: " + term);
        }
        return (long) Math.floor(term);
    }

    /** The fraction of a term in units of 2^-60, truncated. */
    static long fraction(double term) {
        return (long) ((term - Math.floor(term)) * FRACTION_SCALE);
    }

    static double value(long whole, long fraction) {
        return whole + fraction / FRACTION_SCALE;
    }
}
