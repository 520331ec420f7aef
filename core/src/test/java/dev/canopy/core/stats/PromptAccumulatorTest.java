package dev.canopy.core.stats;

import dev.canopy.core.assembly.CompletedRollout;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * coefficients() is cached: a read after a mutation must give exactly what an accumulator with the same
 * history that was never read gives, and reads without a mutation in between give the same values.
 * (Coefficients is a record, so equality is bitwise on its doubles.)
 */
class PromptAccumulatorTest {

    private final SplittableRandom rng = new SplittableRandom(11);
    private int ids;

    private CompletedRollout rollout() {
        int n = 5 + rng.nextInt(395);
        double h = n * rng.nextDouble() * 3;
        return new CompletedRollout("m", "r", "id-" + ids++, "p", n, h, h, "stop", n, 0, 0, 0, false);
    }

    private List<CompletedRollout> rollouts(int count) {
        List<CompletedRollout> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(rollout());
        }
        return out;
    }

    /** A never-read accumulator of these rollouts, added in order. */
    private static PromptAccumulator replay(int capacity, List<CompletedRollout> rs) {
        PromptAccumulator a = new PromptAccumulator(capacity);
        rs.forEach(a::add);
        return a;
    }

    @Test
    void shouldReturnTheSameCoefficientsWhileNothingChanges() {
        List<CompletedRollout> rs = rollouts(20);
        PromptAccumulator a = replay(64, rs);
        Correlations.Coefficients first = a.coefficients();
        assertSame(first, a.coefficients());
        assertEquals(first, a.coefficients());
        assertEquals(replay(64, rs).coefficients(), first);
    }

    @Test
    void shouldSeeEveryAddInTheNextCoefficients() {
        // capacity 8: past it the pair sample rejects most offers but the moments still change
        PromptAccumulator read = new PromptAccumulator(8);
        List<CompletedRollout> history = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            CompletedRollout r = rollout();
            Correlations.Coefficients before = read.coefficients();
            read.add(r);
            history.add(r);
            Correlations.Coefficients after = read.coefficients();
            assertEquals(replay(8, history).coefficients(), after, "after add " + i);
            if (i >= 2) {
                assertNotEquals(before, after, "add " + i + " was not seen");
            }
        }
        assertFalse(read.exactPairs());
    }

    @Test
    void shouldSeeAMergeInTheNextCoefficients() {
        List<CompletedRollout> left = rollouts(12);
        List<CompletedRollout> right = rollouts(12);
        PromptAccumulator a = replay(16, left);
        PromptAccumulator b = replay(16, right);
        Correlations.Coefficients before = a.coefficients();
        Correlations.Coefficients bBefore = b.coefficients();
        a.merge(b);
        PromptAccumulator unread = replay(16, left);
        unread.merge(replay(16, right));
        assertEquals(unread.coefficients(), a.coefficients());
        assertNotEquals(before, a.coefficients());
        // the merged-in side is not mutated, so its cached value is still its own
        assertSame(bBefore, b.coefficients());
        assertEquals(replay(16, right).coefficients(), bBefore);
    }

    @Test
    void shouldGiveARoundTrippedCopyItsOwnCoefficients() throws IOException {
        List<CompletedRollout> rs = rollouts(30);
        PromptAccumulator a = replay(16, rs);
        Correlations.Coefficients cached = a.coefficients();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        a.write(new DataOutputStream(bytes));
        PromptAccumulator back = PromptAccumulator.read(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
        assertEquals(cached, back.coefficients());
        back.add(rollout());
        assertNotEquals(cached, back.coefficients());
        assertSame(cached, a.coefficients());
    }
}
