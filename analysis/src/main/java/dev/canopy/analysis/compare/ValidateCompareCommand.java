package dev.canopy.analysis.compare;

import dev.canopy.analysis.cli.Progress;
import dev.canopy.core.UserError;
import dev.canopy.core.stats.Wilson;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

/**
 * {@code canopy validate-compare}: how often {@code canopy compare} flags a change when there is none, and
 * how often it flags the documented known changes, by simulation ({@link CompareSimulation}), for every
 * interval method of {@link Intervals} and each regime.
 */
@Command(name = "validate-compare", mixinStandardHelpOptions = true,
        description = {"Checks canopy compare's false-flag rate and power by simulation.",
                "Simulates release pairs with no change and with known changes in several regimes (few prompts, many rollouts,",
                "unequal rollouts per prompt, paired and unpaired) and prints, per interval method, the share of no-change pairs",
                "with any flag (per metric at 5%%, and with the false discovery rate controlled over the 13 metrics) and the power."},
        footer = {"", "Example:", "  canopy validate-compare --runs 200 --write-docs docs/compare.md"})
public final class ValidateCompareCommand implements Callable<Integer> {

    /** The markers around the generated part of the docs file. */
    static final String BEGIN = "<!-- validate-compare:begin -->";
    static final String END = "<!-- validate-compare:end -->";

    @Option(names = "--runs", defaultValue = "200", description = "Simulated pairs per regime and scenario (default: ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--bootstrap", defaultValue = "1000", paramLabel = "B",
            description = "Bootstrap replicates per pair for the bootstrap methods (default: ${DEFAULT-VALUE}).")
    int replicates;

    @Option(names = "--seed", defaultValue = "1", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--regimes", split = ",", paramLabel = "NAME",
            description = "Regimes to run (default: all): paired-5x200, paired-8x24, paired-20-unequal, unpaired-10x30, unpaired-6+15-unequal.")
    List<String> regimes = new ArrayList<>();

    @Option(names = "--write-docs", paramLabel = "FILE",
            description = "Also replace the part of FILE between " + BEGIN + " and " + END + " with the tables (e.g. docs/compare.md).")
    Path docs;

    /** Counts over the pairs of one regime and scenario. */
    static final class Tally {
        final int runs;
        /** [method]: pairs with a flag on some metric at the marginal 5% level. */
        final int[] anyMarginal = new int[Intervals.Method.values().length];
        /** [method]: pairs with a flag after Benjamini-Hochberg over the metrics. */
        final int[] anyFamily = new int[Intervals.Method.values().length];
        /** [method][metric]: pairs flagging the metric at the marginal level. */
        final int[][] marginal = new int[Intervals.Method.values().length][Metric.COUNT];
        /** [method][metric]: pairs flagging the metric after Benjamini-Hochberg. */
        final int[][] family = new int[Intervals.Method.values().length][Metric.COUNT];

        Tally(int runs) {
            this.runs = runs;
        }

        synchronized void add(CompareSimulation.Outcome o) {
            for (Intervals.Method method : Intervals.Method.values()) {
                int k = method.ordinal();
                boolean[] flags = o.familyFlags(method);
                boolean anyM = false;
                boolean anyF = false;
                for (Metric m : Metric.values()) {
                    if (o.marginal(method, m)) {
                        marginal[k][m.ordinal()]++;
                        anyM = true;
                    }
                    if (flags[m.ordinal()]) {
                        family[k][m.ordinal()]++;
                        anyF = true;
                    }
                }
                anyMarginal[k] += anyM ? 1 : 0;
                anyFamily[k] += anyF ? 1 : 0;
            }
        }

        /** The largest marginal false-flag count over the metrics. */
        int worstMarginal(Intervals.Method method) {
            return Arrays.stream(marginal[method.ordinal()]).max().orElse(0);
        }
    }

    /** Runs {@code runs} pairs of one regime and scenario; {@code done} is bumped after each. */
    static Tally tally(CompareSimulation.Regime regime, CompareSimulation.Change change, int runs, long seed, int replicates,
                       AtomicInteger done) {
        Tally t = new Tally(runs);
        IntStream.range(0, runs).parallel().forEach(run -> {
            long s = seed * 1_000_003L + 7919L * run + 104_729L * change.ordinal() + regime.name().hashCode();
            t.add(CompareSimulation.run(regime, change, s, replicates));
            done.incrementAndGet();
        });
        return t;
    }

    @Override
    public Integer call() throws IOException {
        if (runs < 1 || runs > 100_000) {
            throw new UserError("--runs must be between 1 and 100000, got " + runs);
        }
        if (replicates < CompareCommand.MIN_REPLICATES || replicates > 100_000) {
            throw new UserError("--bootstrap must be between " + CompareCommand.MIN_REPLICATES + " and 100000, got " + replicates);
        }
        List<CompareSimulation.Regime> chosen = new ArrayList<>();
        for (CompareSimulation.Regime r : CompareSimulation.REGIMES) {
            if (regimes.isEmpty() || regimes.contains(r.name())) {
                chosen.add(r);
            }
        }
        for (String name : regimes) {
            if (Arrays.stream(CompareSimulation.REGIMES).noneMatch(r -> r.name().equals(name))) {
                throw new UserError("--regimes: unknown regime '" + name + "'; choose from "
                        + String.join(", ", Arrays.stream(CompareSimulation.REGIMES).map(CompareSimulation.Regime::name).toList()));
            }
        }
        if (docs != null && (!Files.isRegularFile(docs) || !Files.readString(docs, StandardCharsets.UTF_8).contains(BEGIN)
                || !Files.readString(docs, StandardCharsets.UTF_8).contains(END))) {
            throw new UserError("--write-docs " + docs + " must be an existing file with the lines " + BEGIN + " and " + END
                    + " around the part to replace");
        }
        int total = runs * chosen.size() * CompareSimulation.Change.values().length;
        AtomicInteger done = new AtomicInteger();
        long started = System.nanoTime();
        List<Tally[]> results = new ArrayList<>();
        try (Progress progress = new Progress(System.err, 2000, () -> "validate-compare: " + done.get() + " / " + total + " pairs")) {
            for (CompareSimulation.Regime regime : chosen) {
                Tally[] byChange = new Tally[CompareSimulation.Change.values().length];
                for (CompareSimulation.Change change : CompareSimulation.Change.values()) {
                    byChange[change.ordinal()] = tally(regime, change, runs, seed, replicates, done);
                }
                results.add(byChange);
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        String tables = render(chosen, results, seconds);
        System.out.print(tables);
        if (docs != null) {
            String text = Files.readString(docs, StandardCharsets.UTF_8);
            int a = text.indexOf(BEGIN) + BEGIN.length();
            int b = text.indexOf(END, a);
            if (b < 0) {
                throw new UserError("--write-docs " + docs + ": " + END + " must come after " + BEGIN);
            }
            Files.writeString(docs, text.substring(0, a) + "\n" + tables + text.substring(b), StandardCharsets.UTF_8);
            System.err.println("wrote the tables to " + docs);
        }
        return 0;
    }

    private String render(List<CompareSimulation.Regime> chosen, List<Tally[]> results, double seconds) {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "`canopy validate-compare --runs %d --bootstrap %d --seed %d%s` — %.0f s on %d cores, Java %s%n%n",
                runs, replicates, seed, regimes.isEmpty() ? "" : " --regimes " + String.join(",", regimes), seconds,
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version")));
        out.append("No change: share of pairs with at least one flag among the 13 metrics (95% Wilson interval), per interval method;"
                + " \"per metric\" flags each metric whose marginal 95% interval excludes 0, \"FDR\" flags after Benjamini-Hochberg at 5%"
                + " over the 13 (compare's rule; `*` marks its method). Worst metric: the largest share of pairs flagging one metric at the"
                + " marginal level (nominal 5%).\n\n");
        out.append("| regime | method | any flag, per metric | any flag, FDR | worst metric (marginal) |\n|---|---|---|---|---|\n");
        for (int i = 0; i < chosen.size(); i++) {
            Tally t = results.get(i)[CompareSimulation.Change.NONE.ordinal()];
            for (Intervals.Method method : Intervals.Method.values()) {
                int k = method.ordinal();
                out.append(String.format(Locale.ROOT, "| %s | %s%s | %s | %s | %s |%n", chosen.get(i).describe(), method.key(),
                        method == Intervals.CHOSEN ? " *" : "", share(t.anyMarginal[k], t.runs), share(t.anyFamily[k], t.runs),
                        share(t.worstMarginal(method), t.runs)));
            }
        }
        out.append("\nNo change, ").append(Intervals.CHOSEN.key()).append(" (compare's method): share of pairs whose marginal 95% interval of a"
                + " metric excludes 0 (nominal 5% each; the largest of 13 such shares over ").append(runs).append(" pairs often reaches 7-8% by chance alone).\n\n");
        out.append("| regime |");
        for (Metric m : Metric.values()) {
            out.append(' ').append(m.key()).append(" |");
        }
        out.append("\n|---|").append("---|".repeat(Metric.COUNT)).append('\n');
        for (int i = 0; i < chosen.size(); i++) {
            Tally t = results.get(i)[CompareSimulation.Change.NONE.ordinal()];
            out.append("| ").append(chosen.get(i).describe()).append(" |");
            for (Metric m : Metric.values()) {
                out.append(' ').append(pct(t.marginal[Intervals.CHOSEN.ordinal()][m.ordinal()], t.runs)).append(" |");
            }
            out.append('\n');
        }
        out.append("\nPower: share of pairs where compare flags the change (FDR at 5% over the 13 metrics), per method.\n\n");
        out.append("| regime | change | method | any metric | ce_star | length_entropy_rate.pearson | mean_entropy_rate | mean_length |\n"
                + "|---|---|---|---|---|---|---|---|\n");
        for (int i = 0; i < chosen.size(); i++) {
            for (CompareSimulation.Change change : new CompareSimulation.Change[] {CompareSimulation.Change.MIX, CompareSimulation.Change.TUNED}) {
                Tally t = results.get(i)[change.ordinal()];
                for (Intervals.Method method : Intervals.Method.values()) {
                    int k = method.ordinal();
                    out.append(String.format(Locale.ROOT, "| %s | %s | %s%s | %s | %s | %s | %s | %s |%n", chosen.get(i).describe(), change.label(),
                            method.key(), method == Intervals.CHOSEN ? " *" : "", pct(t.anyFamily[k], t.runs),
                            pct(t.family[k][Metric.CE_STAR.ordinal()], t.runs), pct(t.family[k][Metric.PEARSON.ordinal()], t.runs),
                            pct(t.family[k][Metric.MEAN_ENTROPY_RATE.ordinal()], t.runs), pct(t.family[k][Metric.MEAN_LENGTH.ordinal()], t.runs)));
                }
            }
        }
        return out.toString();
    }

    private static String share(int k, int n) {
        double[] ci = Wilson.interval95(k, n);
        return String.format(Locale.ROOT, "%d/%d = %.3f [%.3f, %.3f]", k, n, (double) k / n, ci[0], ci[1]);
    }

    private static String pct(int k, int n) {
        return String.format(Locale.ROOT, "%.1f%%", 100.0 * k / n);
    }
}
