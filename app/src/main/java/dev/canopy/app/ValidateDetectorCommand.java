package dev.canopy.app;

import dev.canopy.analysis.cli.Progress;

import dev.canopy.core.UserError;
import dev.canopy.core.config.CanopyConfig;

import dev.canopy.core.assembly.CompletedRollout;
import dev.canopy.core.shift.ShiftDetector;
import dev.canopy.core.shift.ShiftStats;
import dev.canopy.core.stats.Wilson;
import dev.canopy.simulator.MarkovLanguageModel;
import dev.canopy.simulator.ModelStyles;
import dev.canopy.simulator.SampledRollout;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * {@code canopy validate-detector}: the shift detector's calibration and power, by simulation. Each run
 * draws a baseline release and a candidate release from simulated models and feeds the candidate's
 * rollouts one at a time, evaluating the detector after every {@code --every} rollouts, as the monitor
 * does continuously. With no change (both from the same model) it counts runs with any false flag;
 * with a change (base-style to tuned-style) it records how many candidate rollouts each metric needed.
 */
@Command(name = "validate-detector", mixinStandardHelpOptions = true,
        description = {"Checks the shift detector's false-alarm rate and power by simulation.",
                "Under no change (continuous monitoring, all metrics) and for a base-to-tuned change; prints a Markdown report."})
public final class ValidateDetectorCommand implements Callable<Integer> {

    @Option(names = "--runs", defaultValue = "200", description = "Simulated release pairs per scenario (default: ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--baseline-rollouts", defaultValue = "2000", description = "Rollouts of the baseline release (default: ${DEFAULT-VALUE}).")
    int baselineRollouts;

    @Option(names = "--candidate-rollouts", defaultValue = "5000", description = "Candidate rollouts observed per run (default: ${DEFAULT-VALUE}).")
    int candidateRollouts;

    @Option(names = "--every", defaultValue = "10", description = "Evaluate after every N candidate rollouts (default: ${DEFAULT-VALUE}).")
    int every;

    @Option(names = "--alpha", defaultValue = "0.05", description = "Family-wise false-alarm level (default: ${DEFAULT-VALUE}).")
    double alpha;

    @Option(names = "--prompts", defaultValue = "20", description = "Prompts in the probe set (default: ${DEFAULT-VALUE}).")
    int prompts;

    @Option(names = "--seed", defaultValue = "1", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() {
        if (runs < 1 || baselineRollouts < 10 || candidateRollouts < 10 || every < 1 || prompts < 1) {
            throw new UserError("--runs, --every and --prompts must be positive; --baseline-rollouts and --candidate-rollouts at least 10");
        }
        ShiftDetector.Settings settings;
        try {
            settings = new ShiftDetector.Settings(alpha, 50, 1000);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage().replace(CanopyConfig.SHIFT_ALPHA.name(), "--alpha"));
        }
        long started = System.nanoTime();
        int falseRuns = 0;
        int[] falseByMetric = new int[ShiftDetector.Metric.values().length];
        List<List<Integer>> needed = new ArrayList<>();
        for (int m = 0; m < ShiftDetector.Metric.values().length; m++) {
            needed.add(new ArrayList<>());
        }
        int[] missed = new int[ShiftDetector.Metric.values().length];
        try (Progress progress = new Progress(System.err, 2000, () -> "validate-detector: running simulations...")) {
            for (int run = 0; run < runs; run++) {
                long s = seed * 1_000_003L + run;
                MarkovLanguageModel base = ModelStyles.base(s, 32);
                int[] first = simulate(base, base, s, settings);
                boolean any = false;
                for (int m = 0; m < first.length; m++) {
                    if (first[m] > 0) {
                        falseByMetric[m]++;
                        any = true;
                    }
                }
                if (any) {
                    falseRuns++;
                }
                int[] detect = simulate(base, ModelStyles.tuned(s, 32), s + 7, settings);
                for (int m = 0; m < detect.length; m++) {
                    if (detect[m] > 0) {
                        needed.get(m).add(detect[m]);
                    } else {
                        missed[m]++;
                    }
                }
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        StringBuilder out = new StringBuilder();
        out.append("# Shift detector validation\n\n");
        out.append(String.format(Locale.ROOT, "`canopy validate-detector --runs %d --baseline-rollouts %d --candidate-rollouts %d --every %d --alpha %s --prompts %d --seed %d`"
                + " — %.0f s on %d cores, Java %s, %s%n%n", runs, baselineRollouts, candidateRollouts, every, alpha, prompts, seed, seconds,
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), System.getProperty("os.arch")));
        out.append("Each run: a baseline release of ").append(baselineRollouts).append(" rollouts over ").append(prompts)
                .append(" prompts, then candidate rollouts one at a time, the detector evaluated after every ").append(every)
                .append(" (").append(candidateRollouts / every).append(" looks per run), all five metrics.\n\n");
        double rate = (double) falseRuns / runs;
        double[] ci = Wilson.interval95(falseRuns, runs);
        out.append("## No change (baseline and candidate from the same simulated model)\n\n");
        out.append(String.format(Locale.ROOT, "Runs with any false flag: **%d of %d = %.3f** (95%% Wilson interval %.3f to %.3f); nominal level α = %s.%n%n",
                falseRuns, runs, rate, ci[0], ci[1], alpha));
        out.append("| metric | runs with a false flag |\n|---|---|\n");
        for (ShiftDetector.Metric m : ShiftDetector.Metric.values()) {
            out.append("| ").append(m.code()).append(" | ").append(falseByMetric[m.ordinal()]).append(" |\n");
        }
        out.append("\n## Change (base-style baseline, tuned-style candidate)\n\n");
        out.append("| metric | detected in | median candidate rollouts needed | 90th percentile |\n|---|---|---|---|\n");
        for (ShiftDetector.Metric m : ShiftDetector.Metric.values()) {
            List<Integer> n = needed.get(m.ordinal());
            out.append(String.format(Locale.ROOT, "| %s | %d of %d runs | %s | %s |%n", m.code(), n.size(), runs,
                    n.isEmpty() ? "-" : Integer.toString(percentile(n, 0.5)), n.isEmpty() ? "-" : Integer.toString(percentile(n, 0.9))));
        }
        System.out.print(out);
        return 0;
    }

    /** Returns, per metric, the candidate rollout count at the first flag (0: never flagged). */
    private int[] simulate(MarkovLanguageModel baselineModel, MarkovLanguageModel candidateModel, long seed, ShiftDetector.Settings settings) {
        SplittableRandom rng = new SplittableRandom(seed);
        MarkovLanguageModel[] basePrompts = variants(baselineModel);
        MarkovLanguageModel[] candPrompts = variants(candidateModel);
        ShiftStats baseline = new ShiftStats(1000);
        for (int i = 0; i < baselineRollouts; i++) {
            baseline.add(rollout(basePrompts, i, rng));
        }
        ShiftStats candidate = new ShiftStats(1000);
        int[] first = new int[ShiftDetector.Metric.values().length];
        for (int i = 1; i <= candidateRollouts; i++) {
            candidate.add(rollout(candPrompts, i, rng));
            if (i % every == 0) {
                for (ShiftDetector.Result r : ShiftDetector.compare(baseline, candidate, settings)) {
                    if (r.status() == ShiftDetector.Status.SHIFT && first[r.metric().ordinal()] == 0) {
                        first[r.metric().ordinal()] = i;
                    }
                }
            }
        }
        return first;
    }

    private MarkovLanguageModel[] variants(MarkovLanguageModel m) {
        MarkovLanguageModel[] v = new MarkovLanguageModel[prompts];
        for (int p = 0; p < prompts; p++) {
            v[p] = m.withPromptVariant(p);
        }
        return v;
    }

    private static CompletedRollout rollout(MarkovLanguageModel[] prompts, int i, SplittableRandom rng) {
        int p = i % prompts.length;
        SampledRollout s = prompts[p].sample(rng, 256);
        return new CompletedRollout("m", "r", "x", "p" + p, s.length(), s.entropySum(), s.entropySum(), s.finishReason(),
                s.length(), 0, 0, i, false);
    }

    private static int percentile(List<Integer> values, double q) {
        int[] v = values.stream().mapToInt(Integer::intValue).toArray();
        Arrays.sort(v);
        return v[Math.min(v.length - 1, (int) Math.ceil(q * v.length) - 1)];
    }
}
