package dev.canopy.testsupport;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

public final class ReferenceResampler {
    private final SplittableRandom master;

    public ReferenceResampler(long seed) {
        this.master = new SplittableRandom(seed);
    }

    public SplittableRandom nextReplicate() {
        return new SplittableRandom(this.master.nextLong());
    }

    public static <T> List<T> draw(SplittableRandom rng, List<T> rows) {
        List<T> out = new ArrayList<>(rows.size());

        for (int k = 0; k < rows.size(); k++) {
            out.add(rows.get(rng.nextInt(rows.size())));
        }

        return out;
    }

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
