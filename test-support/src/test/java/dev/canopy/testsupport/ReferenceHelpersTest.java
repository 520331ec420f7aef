package dev.canopy.testsupport;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The plain reference computations against values worked out by hand. */
class ReferenceHelpersTest {

    private static final List<Integer> POSITIONS = IntStream.range(0, 20).boxed().toList();

    @Test
    void shouldGiveTextbookPearsonCorrelations() {
        assertEquals(1.0, ReferenceStatistics.pearson(new double[] {1, 2, 3}, new double[] {2, 4, 6}), 1e-15);
        assertEquals(-1.0, ReferenceStatistics.pearson(new double[] {1, 2, 3}, new double[] {3, 2, 1}), 1e-15);
        // deviations (-1, 0, 1) and (-1, 1, 0): covariance 1, variances 2 and 2
        assertEquals(0.5, ReferenceStatistics.pearson(new double[] {1, 2, 3}, new double[] {1, 3, 2}), 1e-15);
        assertTrue(Double.isNaN(ReferenceStatistics.pearson(new double[] {1, 2, 3}, new double[] {5, 5, 5})));
    }

    @Test
    void shouldDrawEachReplicateFromTheSeedsNextLong() {
        ReferenceResampler draws = new ReferenceResampler(7);
        SplittableRandom master = new SplittableRandom(7);
        for (int i = 0; i < 3; i++) {
            SplittableRandom expected = new SplittableRandom(master.nextLong());
            List<Integer> drawn = ReferenceResampler.draw(draws.nextReplicate(), POSITIONS);
            assertEquals(POSITIONS.size(), drawn.size());
            for (int position : drawn) {
                assertEquals(expected.nextInt(POSITIONS.size()), position, "replicate " + i);
            }
        }
    }

    @Test
    void shouldPickTheSamePositionsOfBothListsInAPairedDraw() {
        List<Integer> tenfold = POSITIONS.stream().map(p -> 10 * p).toList();
        List<List<Integer>> drawn = ReferenceResampler.drawPaired(new ReferenceResampler(3).nextReplicate(), POSITIONS, tenfold);
        assertEquals(POSITIONS.size(), drawn.get(0).size());
        for (int k = 0; k < POSITIONS.size(); k++) {
            assertEquals(10 * drawn.get(0).get(k), drawn.get(1).get(k));
        }
        assertNotEquals(POSITIONS, drawn.get(0), "drawn with replacement, not a copy");
        assertThrows(IllegalArgumentException.class,
                () -> ReferenceResampler.drawPaired(new SplittableRandom(1), POSITIONS, tenfold.subList(0, 3)));
    }
}
