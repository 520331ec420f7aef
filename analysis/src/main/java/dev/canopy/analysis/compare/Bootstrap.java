package dev.canopy.analysis.compare;

import dev.canopy.core.UserError;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/**
 * The bootstrap of {@code canopy compare}: B replicates of every pooled {@link Metric} for both
 * releases, each replicate recomputing the metrics from scratch on a resample. Compare's intervals come
 * from it for traffic without prompt ids ({@link Design#ROLLOUTS}) and for the semantic ratio; for prompt
 * designs they come from the {@link Jackknife}, and the prompt bootstrap remains as a candidate that
 * {@code canopy validate-compare} measures.
 *
 * <h2>Designs</h2>
 * <ul>
 *   <li>{@link Design#PAIRED_PROMPTS}, when the releases share prompt ids (the reference's design for a
 *       base and a fine-tuned model on the same prompts): a replicate draws |U| prompt ids with
 *       replacement from the union U of both releases' ids and pools each release over the drawn ids it
 *       has, so both releases see the same resampled prompt list. With the same prompt set on both sides
 *       (the usual case) this is the textbook paired bootstrap; prompts only one release has keep their
 *       place in that release's estimate.</li>
 *   <li>{@link Design#UNPAIRED_PROMPTS}, when they share none: each release's prompts are resampled
 *       independently (P_baseline then P_candidate draws).</li>
 *   <li>{@link Design#ROLLOUTS}, when both releases are production traffic (no prompt ids): each release's
 *       rollouts are resampled independently (n_baseline then n_candidate draws). Needs the rollouts, so
 *       only event files, not a monitor's report, can feed it.</li>
 * </ul>
 * One release with prompt ids and one without is refused: prompt-pooled and traffic metrics do not
 * measure the same thing.
 *
 * <h2>Determinism</h2>
 * Replicate b uses {@code new SplittableRandom(s_b)}, where s_0, s_1, ... are the successive
 * {@code nextLong()} of {@code new SplittableRandom(seed)}, and draws its indices with {@code nextInt(size)}
 * in the order above (union-list positions for the paired design). Replicates run in parallel but each
 * writes only its own slot, so the result is a function of the seed alone.
 */
final class Bootstrap {

    enum Design {
        PAIRED_PROMPTS("prompt", true),
        UNPAIRED_PROMPTS("prompt", false),
        ROLLOUTS("rollout", false);

        private final String mode;
        private final boolean paired;

        Design(String mode, boolean paired) {
            this.mode = mode;
            this.paired = paired;
        }

        /** The resampling unit as compare.json names it: "prompt" or "rollout". */
        String mode() {
            return mode;
        }

        boolean paired() {
            return paired;
        }
    }

    /**
     * Replicate values, {@code baseline[metric ordinal][replicate]}; NaN where a replicate left a metric
     * undefined.
     */
    record Replicates(Design design, int count, long seed, double[][] baseline, double[][] candidate) {

        /**
         * The settings of a bootstrap that was not run (a prompt design, whose intervals come from the
         * jackknife): no replicate values.
         */
        static Replicates notRun(Design design, int count, long seed) {
            return new Replicates(design, count, seed, new double[Metric.COUNT][0], new double[Metric.COUNT][0]);
        }
    }

    private Bootstrap() {
    }

    /** The design the two releases call for (see the class comment); a UserError for mixed inputs. */
    static Design choose(ReleaseData baseline, ReleaseData candidate) {
        boolean bt = baseline.prompts().trafficOnly();
        boolean ct = candidate.prompts().trafficOnly();
        if (bt && ct) {
            return Design.ROLLOUTS;
        }
        if (bt != ct) {
            ReleaseData traffic = bt ? baseline : candidate;
            ReleaseData prompted = bt ? candidate : baseline;
            throw new UserError((bt ? "--baseline " : "--candidate ") + traffic.ref() + " has no prompt ids (production traffic) but "
                    + prompted.ref() + " was measured on prompts: compare two releases measured the same way (both on the same prompt set, or both on traffic)");
        }
        PromptTable b = baseline.prompts();
        PromptTable c = candidate.prompts();
        for (int i = 0; i < b.size(); i++) {
            if (c.indexOf(b.id(i)) >= 0) {
                return Design.PAIRED_PROMPTS;
            }
        }
        return Design.UNPAIRED_PROMPTS;
    }

    /** Prompt ids both releases have. */
    static int sharedPrompts(ReleaseData baseline, ReleaseData candidate) {
        return sharedPrompts(baseline.prompts(), candidate.prompts());
    }

    /** Prompt ids both tables have. */
    static int sharedPrompts(PromptRows baseline, PromptRows candidate) {
        int shared = 0;
        for (int i = 0; i < baseline.size(); i++) {
            if (candidate.indexOf(baseline.id(i)) >= 0) {
                shared++;
            }
        }
        return shared;
    }

    /**
     * Runs {@code count} replicates.
     *
     * @param rankCapacity the pair capacity of the replay (see {@link RolloutTable}); only the rollout design uses it
     * @param progress     called with the number of finished replicates after each one (from any thread)
     */
    static Replicates run(ReleaseData baseline, ReleaseData candidate, Design design, int count, long seed,
                          int rankCapacity, IntConsumer progress) {
        if (design == Design.ROLLOUTS && (baseline.rollouts() == null || candidate.rollouts() == null)) {
            throw new IllegalArgumentException("the rollout bootstrap needs the rollouts of both releases");
        }
        Resampler resampler = switch (design) {
            case PAIRED_PROMPTS -> paired(baseline.prompts(), candidate.prompts());
            case UNPAIRED_PROMPTS -> unpaired(baseline.prompts(), candidate.prompts());
            case ROLLOUTS -> (rng, out) -> {
                RolloutTable b = baseline.rollouts();
                RolloutTable c = candidate.rollouts();
                out[0] = b.pooled(draw(rng, b.size()), b.size(), rankCapacity);
                out[1] = c.pooled(draw(rng, c.size()), c.size(), rankCapacity);
            };
        };
        return replicate(resampler, Metric.COUNT, design, count, seed, progress);
    }

    /**
     * The prompt bootstrap of any two per-prompt tables, e.g. the semantic metrics: the draws of
     * {@link #run} for the same design and seed, so tables with the same prompt ids in the same order get
     * the same resampled prompt lists as the release's main metrics.
     *
     * @param metrics the length of the tables' pooled vectors
     */
    static Replicates runPrompts(PromptRows baseline, PromptRows candidate, Design design, int metrics, int count, long seed,
                                 IntConsumer progress) {
        Resampler resampler = switch (design) {
            case PAIRED_PROMPTS -> paired(baseline, candidate);
            case UNPAIRED_PROMPTS -> unpaired(baseline, candidate);
            case ROLLOUTS -> throw new IllegalArgumentException("per-prompt tables are resampled by prompt");
        };
        return replicate(resampler, metrics, design, count, seed, progress);
    }

    /** The design of a prompt bootstrap over two tables: paired when they share a prompt id. */
    static Design choosePrompts(PromptRows baseline, PromptRows candidate) {
        return sharedPrompts(baseline, candidate) > 0 ? Design.PAIRED_PROMPTS : Design.UNPAIRED_PROMPTS;
    }

    private static Replicates replicate(Resampler resampler, int metrics, Design design, int count, long seed, IntConsumer progress) {
        SplittableRandom master = new SplittableRandom(seed);
        long[] seeds = new long[count];
        for (int b = 0; b < count; b++) {
            seeds[b] = master.nextLong();
        }
        double[][] base = new double[metrics][count];
        double[][] cand = new double[metrics][count];
        AtomicInteger done = new AtomicInteger();
        IntStream.range(0, count).parallel().forEach(b -> {
            double[][] out = new double[2][];
            resampler.replicate(new SplittableRandom(seeds[b]), out);
            for (int m = 0; m < metrics; m++) {
                base[m][b] = out[0][m];
                cand[m][b] = out[1][m];
            }
            progress.accept(done.incrementAndGet());
        });
        return new Replicates(design, count, seed, base, cand);
    }

    /** Per-prompt statistics that pool to a vector of metrics: what the prompt bootstrap resamples. */
    interface PromptRows {
        int size();

        String id(int i);

        /** The row of a prompt id, or -1. */
        int indexOf(String id);

        /** The pooled metrics of the rows {@code rows[0..count)}, a row as often as it is listed. */
        double[] pooled(int[] rows, int count);
    }

    @FunctionalInterface
    private interface Resampler {
        /** Fills out[0] (baseline) and out[1] (candidate) with one replicate's metric vectors. */
        void replicate(SplittableRandom rng, double[][] out);
    }

    private static Resampler unpaired(PromptRows b, PromptRows c) {
        return (rng, out) -> {
            out[0] = b.pooled(draw(rng, b.size()), b.size());
            out[1] = c.pooled(draw(rng, c.size()), c.size());
        };
    }

    /**
     * Every prompt id of either release as a pair (baseline row, candidate row), -1 where a release lacks
     * it: the baseline's prompts in order, then the candidate's own. The unit that paired designs resample
     * or leave out.
     */
    static int[][] pairedRows(PromptRows b, PromptRows c) {
        List<int[]> union = new ArrayList<>();
        for (int i = 0; i < b.size(); i++) {
            union.add(new int[] {i, c.indexOf(b.id(i))});
        }
        for (int j = 0; j < c.size(); j++) {
            if (b.indexOf(c.id(j)) < 0) {
                union.add(new int[] {-1, j});
            }
        }
        return union.toArray(new int[0][]);
    }

    private static Resampler paired(PromptRows b, PromptRows c) {
        int[][] rows = pairedRows(b, c);
        return (rng, out) -> {
            int[] bRows = new int[rows.length];
            int[] cRows = new int[rows.length];
            int bn = 0;
            int cn = 0;
            for (int k = 0; k < rows.length; k++) {
                int[] pick = rows[rng.nextInt(rows.length)];
                if (pick[0] >= 0) {
                    bRows[bn++] = pick[0];
                }
                if (pick[1] >= 0) {
                    cRows[cn++] = pick[1];
                }
            }
            out[0] = b.pooled(bRows, bn);
            out[1] = c.pooled(cRows, cn);
        };
    }

    private static int[] draw(SplittableRandom rng, int size) {
        int[] rows = new int[size];
        for (int i = 0; i < size; i++) {
            rows[i] = rng.nextInt(size);
        }
        return rows;
    }
}
