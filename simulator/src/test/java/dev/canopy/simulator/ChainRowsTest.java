package dev.canopy.simulator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ChainRowsTest {

    /** V = 3: token 2 is never emitted from a reachable state, and state 3 (after token 2) loops on itself. */
    private static final double[][] PARTLY_REACHABLE = {
        {0.5, 0.5, 0.0, 0.0},
        {0.0, 0.7, 0.0, 0.3},
        {0.6, 0.0, 0.0, 0.4},
        {0.0, 0.0, 1.0, 0.0},
    };

    @Test
    void shouldAcceptADistributionAndNameTheRowAndColumnOfABadEntry() {
        assertDoesNotThrow(() -> ChainRows.requireDistribution(new double[] {0.25, 0.75, 0.0}, "row 2"));
        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
                () -> ChainRows.requireDistribution(new double[] {1.25, -0.25}, "row 2"));
        assertEquals("row 2, column 1: probability must be finite and >= 0, got -0.25", negative.getMessage());
        IllegalArgumentException infinite = assertThrows(IllegalArgumentException.class,
                () -> ChainRows.requireDistribution(new double[] {Double.POSITIVE_INFINITY, 0.0}, "start row"));
        assertTrue(infinite.getMessage().startsWith("start row, column 0:"), infinite.getMessage());
        IllegalArgumentException sum = assertThrows(IllegalArgumentException.class,
                () -> ChainRows.requireDistribution(new double[] {0.5, 0.5 + 1e-10}, "start row"));
        assertTrue(sum.getMessage().startsWith("start row sums to "), sum.getMessage());
        assertTrue(sum.getMessage().endsWith("not 1 within " + MarkovLanguageModel.ROW_SUM_TOLERANCE), sum.getMessage());
    }

    @Test
    void shouldAcceptARowSumOffByLessThanTheTolerance() {
        assertDoesNotThrow(() -> ChainRows.requireDistribution(new double[] {0.5, 0.5 + 1e-13}, "row 0"));
    }

    @Test
    void shouldReachOnlyTheStatesOfTokensEmittedAlongTheWay() {
        assertArrayEquals(new boolean[] {true, true, true, false}, ChainRows.reachableFromStart(PARTLY_REACHABLE, 3));
    }

    @Test
    void shouldIgnoreUnreachableLoopsButRejectAReachableOne() {
        assertDoesNotThrow(() -> ChainRows.checkAbsorbing(PARTLY_REACHABLE, 3));
        double[][] reachableLoop = {
            {0.0, 0.0, 1.0, 0.0}, // start emits token 2, into the loop of state 3
            {0.0, 0.7, 0.0, 0.3},
            {0.6, 0.0, 0.0, 0.4},
            {0.0, 0.0, 1.0, 0.0},
        };
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ChainRows.checkAbsorbing(reachableLoop, 3));
        assertEquals("chain is not absorbing: state 0 is reachable from the start but can never reach EOS", e.getMessage());
    }

    @Test
    void shouldPrecomputeCumulativeLogSortedAndEntropyPerRow() {
        double[][] p = {
            {0.2, 0.0, 0.5, 0.3},
            {0.25, 0.25, 0.25, 0.25},
            {0.0, 0.0, 0.0, 1.0},
            {0.0, 0.9, 0.1, 0.0},
        };
        ChainRows.Tables t = ChainRows.Tables.of(p);
        assertArrayEquals(new double[] {0.2, 0.2, 0.7, 1.0}, t.cum()[0], 1e-15);
        assertArrayEquals(new double[] {Math.log(0.2), Double.NEGATIVE_INFINITY, Math.log(0.5), Math.log(0.3)},
                t.logp()[0], 0.0);
        assertArrayEquals(new double[] {Math.log(0.5), Math.log(0.3), Math.log(0.2)}, t.sortedLog()[0], 0.0);
        assertArrayEquals(new int[] {3, 3, 3, 2}, t.lastPositive(), "the last positive column, EOS or not");
        assertEquals(Math.log(4), t.h()[1], 1e-15);
        assertEquals(0.0, t.h()[2], "a certain outcome has no entropy");
        assertEquals(-(0.9 * Math.log(0.9) + 0.1 * Math.log(0.1)), t.h()[3], 1e-15);
    }

    @Test
    void shouldRederiveOnlyTheStartRowAndShareTheOthers() {
        double[][] p = ModelStyles.tuned(4, 8).rows();
        ChainRows.Tables base = ChainRows.Tables.of(p);
        double[] startRow = new double[p.length];
        startRow[p.length - 1] = 1.0;
        ChainRows.Tables variant = base.withStartRow(startRow);

        assertArrayEquals(new double[] {0.0}, variant.sortedLog()[0], 0.0);
        assertEquals(0.0, variant.h()[0]);
        assertEquals(p.length - 1, variant.lastPositive()[0]);
        assertNotSame(base.cum()[0], variant.cum()[0]);
        for (int s = 1; s < p.length; s++) {
            assertSame(base.cum()[s], variant.cum()[s]);
            assertSame(base.logp()[s], variant.logp()[s]);
            assertSame(base.sortedLog()[s], variant.sortedLog()[s]);
            assertEquals(base.h()[s], variant.h()[s]);
        }
        ChainRows.Tables fresh = ChainRows.Tables.of(p);
        assertArrayEquals(fresh.cum()[0], base.cum()[0], 0.0, "the original tables are left as they were");
        assertEquals(fresh.h()[0], base.h()[0]);
    }
}
