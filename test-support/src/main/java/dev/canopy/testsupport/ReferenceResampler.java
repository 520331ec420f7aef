package dev.canopy.testsupport;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The bootstrap's documented draws written out plainly, for checking an optimised bootstrap replicate by
 * replicate: replicate i uses {@code new SplittableRandom(s_i)}, s_i the i-th {@code nextLong()} of the
 * seed's generator, and draws as many positions, with replacement and {@code nextInt(size)}, as the list
 * has rows (the contract stated on analysis' {@code Bootstrap}). A test walks the replicates in order with
 * {@link #nextReplicate()} and draws each side with {@link #draw} (releases resampled independently, one
 * after the other from the same generator) or {@link #drawPaired} (the same positions of both releases).
 */
public final class ReferenceResampler {

    private final SplittableRandom master;

    /** The draws of a bootstrap run with this seed. */
    public ReferenceResampler(long seed) {
        master = new SplittableRandom(seed);
    }

    /** The generator of the next replicate. */
    public SplittableRandom nextReplicate() {
        return new SplittableRandom(master.nextLong());
    }

    /** {@code rows.size()} rows drawn with replacement, in the order drawn. */
    public static <T> List<T> draw(SplittableRandom rng, List<T> rows) {
        List<T> out = new ArrayList<>(rows.size());
        for (int k = 0; k < rows.size(); k++) {
            out.add(rows.get(rng.nextInt(rows.size())));
        }
        return out;
    }

    /**
     * A paired draw: the same positions picked from two lists of equal length (one prompt list, two
     * releases). Returns the two draws, {@code first}'s at index 0 and {@code second}'s at index 1.
     *
     * @throws IllegalArgumentException if the lists differ in length
     */
    public static <T> List<List<T>> drawPaired(SplittableRandom rng, List<T> first, List<T> second) {
        if (second.size() != first.size()) {
            throw new IllegalArgumentException("paired lists differ in length: " + first.size() + " and " + second.size());
        }
        List<T> a = new ArrayList<>(first.size());
        List<T> b = new ArrayList<>(first.size());
        for (int k = 0; k < first.size(); k++) {
            int pick = rng.nextInt(first.size());
            a.add(first.get(pick));
            b.add(second.get(pick));
        }
        return List.of(a, b);
    }
}
