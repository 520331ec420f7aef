package dev.canopy.analysis.compare;

import dev.canopy.core.assembly.CompletedRollout;
import dev.canopy.core.stats.GroupAccumulator;
import dev.canopy.core.stats.GroupKey;
import dev.canopy.core.stats.GroupMetrics;
import dev.canopy.simulator.MarkovLanguageModel;
import dev.canopy.simulator.ModelStyles;
import dev.canopy.simulator.SampledRollout;

import java.util.SplittableRandom;

/**
 * Simulated release pairs for {@code canopy validate-compare}: two releases measured on prompt sets, drawn
 * from simulated models, compared with every {@link Intervals.Method}.
 *
 * <p>A pair's model is {@link ModelStyles#base} with a per-pair seed; prompt i is its prompt variant i. The
 * baseline always samples the base model; the candidate samples it too (no change), or a known change:
 * {@link Change#TUNED} ({@link ModelStyles#tuned}, the paper's base-to-fine-tuned contrast) or
 * {@link Change#MIX} (each candidate rollout from the tuned model with probability 0.25, else from the
 * base: a partial change). Paired regimes use the same prompt ids and variants on both sides; unpaired ones
 * give the candidate different prompts (other variants of the same model, ids not shared), so "no change"
 * there means both prompt sets come from one population.
 */
final class CompareSimulation {

    static final int VOCAB = 32;
    static final int MAX_TOKENS = 256;
    /** Share of the candidate's rollouts from the tuned model under {@link Change#MIX}. */
    static final double MIX_SHARE = 0.25;

    /** What the candidate samples. */
    enum Change {
        NONE("no change"),
        MIX("25% tuned"),
        TUNED("base to tuned");

        private final String label;

        Change(String label) {
            this.label = label;
        }

        String label() {
            return label;
        }
    }

    /**
     * A setting users have.
     *
     * @param candidatePrompts prompts of the candidate (unpaired only; paired uses {@code prompts})
     * @param minRollouts      rollouts per prompt are uniform in [minRollouts, maxRollouts], drawn per
     *                         prompt and release (equal bounds: every prompt has the same n)
     */
    record Regime(String name, boolean paired, int prompts, int candidatePrompts, int minRollouts, int maxRollouts) {

        String describe() {
            String n = minRollouts == maxRollouts ? minRollouts + " rollouts each" : minRollouts + "-" + maxRollouts + " rollouts (unequal)";
            return paired ? "paired, " + prompts + " prompts x " + n
                    : "unpaired, " + prompts + " + " + candidatePrompts + " prompts x " + n;
        }
    }

    /** The regimes of the documented validation: few prompts, many rollouts, unequal n, paired and unpaired. */
    static final Regime[] REGIMES = {
        new Regime("paired-5x200", true, 5, 5, 200, 200),
        new Regime("paired-8x24", true, 8, 8, 24, 24),
        new Regime("paired-20-unequal", true, 20, 20, 8, 64),
        new Regime("unpaired-10x30", false, 10, 10, 30, 30),
        new Regime("unpaired-6+15-unequal", false, 6, 15, 10, 80),
    };

    /** One simulated pair's tests: {@code tests[method][metric]}. */
    record Outcome(Intervals.Test[][] tests) {

        /** Whether the method flags the metric at the marginal 5% level. */
        boolean marginal(Intervals.Method method, Metric metric) {
            Intervals.Test t = tests[method.ordinal()][metric.ordinal()];
            return t.low() > 0 || t.high() < 0;
        }

        /** The Benjamini-Hochberg flags of the method over all metrics. */
        boolean[] familyFlags(Intervals.Method method) {
            double[] p = new double[Metric.COUNT];
            for (Metric m : Metric.values()) {
                p[m.ordinal()] = tests[method.ordinal()][m.ordinal()].p();
            }
            double[] q = Intervals.benjaminiHochberg(p);
            boolean[] flags = new boolean[Metric.COUNT];
            for (int i = 0; i < q.length; i++) {
                flags[i] = q[i] <= Intervals.ALPHA;
            }
            return flags;
        }
    }

    private CompareSimulation() {
    }

    /**
     * Simulates and compares one pair.
     *
     * @param replicates bootstrap replicates for the bootstrap-based methods
     */
    static Outcome run(Regime regime, Change change, long seed, int replicates) {
        ReleaseData[] pair = pair(regime, change, seed);
        Bootstrap.Design design = Bootstrap.choose(pair[0], pair[1]);
        Bootstrap.Replicates reps = Bootstrap.run(pair[0], pair[1], design, replicates, seed ^ 0x5EEDL, 0, done -> { });
        Jackknife.Estimate jack = Jackknife.delta(pair[0].prompts(), pair[1].prompts(), design, Metric.COUNT);
        Intervals.Test[][] tests = new Intervals.Test[Intervals.Method.values().length][Metric.COUNT];
        for (Metric m : Metric.values()) {
            int i = m.ordinal();
            double delta = pair[1].point(m) - pair[0].point(m);
            double[] d = new double[replicates];
            for (int r = 0; r < replicates; r++) {
                d[r] = reps.candidate()[i][r] - reps.baseline()[i][r];
            }
            tests[Intervals.Method.PERCENTILE.ordinal()][i] = Intervals.percentile(d);
            tests[Intervals.Method.BOOTSTRAP_SE_T.ordinal()][i] = Intervals.t(delta, Intervals.bootstrapSd(d), jack.df()[i]);
            tests[Intervals.Method.JACKKNIFE_T.ordinal()][i] = Intervals.t(delta, jack.se()[i], jack.df()[i]);
        }
        return new Outcome(tests);
    }

    /** The baseline and candidate releases of one simulated pair. */
    static ReleaseData[] pair(Regime regime, Change change, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        MarkovLanguageModel base = ModelStyles.base(seed, VOCAB);
        MarkovLanguageModel tuned = ModelStyles.tuned(seed, VOCAB);
        ReleaseData b = release(new ReleaseRef("sim", "baseline"), base, null, 0, regime.prompts(), 0, "p", regime, rng);
        int offset = regime.paired() ? 0 : regime.prompts();
        int count = regime.paired() ? regime.prompts() : regime.candidatePrompts();
        String prefix = regime.paired() ? "p" : "q";
        ReleaseData c = switch (change) {
            case NONE -> release(new ReleaseRef("sim", "candidate"), base, null, 0, count, offset, prefix, regime, rng);
            case MIX -> release(new ReleaseRef("sim", "candidate"), base, tuned, MIX_SHARE, count, offset, prefix, regime, rng);
            case TUNED -> release(new ReleaseRef("sim", "candidate"), tuned, null, 0, count, offset, prefix, regime, rng);
        };
        return new ReleaseData[] {b, c};
    }

    private static ReleaseData release(ReleaseRef ref, MarkovLanguageModel model, MarkovLanguageModel other, double otherShare,
                                       int prompts, int variantOffset, String prefix, Regime regime, SplittableRandom rng) {
        GroupAccumulator acc = new GroupAccumulator();
        RolloutTable rollouts = new RolloutTable();
        int serial = 0;
        for (int p = 0; p < prompts; p++) {
            MarkovLanguageModel variant = model.withPromptVariant(variantOffset + p);
            MarkovLanguageModel otherVariant = other == null ? null : other.withPromptVariant(variantOffset + p);
            int n = regime.minRollouts() + rng.nextInt(regime.maxRollouts() - regime.minRollouts() + 1);
            for (int k = 0; k < n; k++) {
                MarkovLanguageModel from = otherVariant != null && rng.nextDouble() < otherShare ? otherVariant : variant;
                SampledRollout s = from.sample(rng, MAX_TOKENS);
                CompletedRollout r = new CompletedRollout(ref.model(), ref.release(), "r" + serial, prefix + (variantOffset + p),
                        s.length(), s.entropySum(), s.entropySum(), s.finishReason(), s.length(), 0, 0, serial, false);
                serial++;
                acc.add(r);
                rollouts.add(r);
            }
        }
        GroupMetrics m = GroupMetrics.of(new GroupKey(ref.model(), ref.release()), acc);
        return ReleaseData.of(ref, m, rollouts);
    }
}
