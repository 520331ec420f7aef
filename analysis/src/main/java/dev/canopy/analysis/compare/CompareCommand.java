package dev.canopy.analysis.compare;

import dev.canopy.analysis.cli.SemanticOptions;
import dev.canopy.analysis.cli.StatisticsOptions;
import dev.canopy.core.UserError;
import dev.canopy.core.replay.ReplayEngine;
import dev.canopy.semantic.Embedder;
import dev.canopy.semantic.MiniLmEmbedder;
import dev.canopy.semantic.SemanticAnalyzer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

/**
 * {@code canopy compare}: did a release change how the model spends its uncertainty, and is the change
 * real? Compares two releases' pooled metrics with 95% intervals on each change (prompt-jackknife t
 * intervals, paired over shared prompt ids; a percentile bootstrap over rollouts for traffic without prompt
 * ids), flags changes at a 5% false discovery rate over the metrics (see {@link Comparison}), and writes
 * compare.json, report.md and three figures.
 * The point estimates are exactly what {@code canopy replay} (or the monitor's report, with
 * {@code --from}) reports for the two groups. With {@code --semantic} it also compares semantic diversity
 * (see {@link SemanticComparison}).
 */
@Command(name = "compare", mixinStandardHelpOptions = true,
        description = {"A/B comparison of two releases with calibrated 95%% intervals and flags.",
                "Every pooled metric (CE*, rho(N, r) by method, GenPPL, branching factor, mean length and entropy rate,",
                "the CE* decomposition) with a 95%% interval on the change; flags at a 5%% false discovery rate over the metrics.",
                "Prompt-jackknife t intervals, paired over prompt ids when the releases share them, unpaired when they share none;",
                "a rollout bootstrap for production traffic without prompt ids (needs event files).",
                "canopy validate-compare checks the false-flag rate and power by simulation.",
                "Writes compare.json, report.md, " + ComparePlots.SCATTER + ", " + ComparePlots.DECOMPOSITION + " and "
                        + ComparePlots.CORRELATIONS + " to --out.",
                "With --semantic also semantic diversity, its Vendi score and its correlations with entropy rate and length",
                "(from the events' text, or the monitor's semantic block with --from), and " + ComparePlots.SEMANTIC + "."},
        footer = {"", "Example:", "  canopy compare --baseline sim-chat-8b@base-2026-11-01 --candidate sim-chat-8b@ft-2026-11-20 events.jsonl.gz",
                "  canopy compare --baseline m@r1 --candidate m@r2 --from http://127.0.0.1:9400",
                "  canopy compare --semantic --baseline m@r1 --candidate m@r2 events-with-text.jsonl.gz"})
public final class CompareCommand implements Callable<Integer> {

    /** Fewest replicates accepted: below it a 2.5% tail holds only a couple of values. */
    static final int MIN_REPLICATES = 100;
    static final int MAX_REPLICATES = 1_000_000;

    @Option(names = "--baseline", required = true, paramLabel = "MODEL@RELEASE", description = "The release compared against (e.g. the one in production).")
    String baseline;

    @Option(names = "--candidate", required = true, paramLabel = "MODEL@RELEASE", description = "The new release.")
    String candidate;

    @Option(names = "--bootstrap", defaultValue = "2000", paramLabel = "B",
            description = "Bootstrap replicates (default: ${DEFAULT-VALUE}, as the reference): the intervals of traffic without prompt ids"
                    + " and of the semantic ratio; prompt designs use the prompt jackknife.")
    int replicates;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the bootstrap; the same seed gives the same output (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--out", defaultValue = "canopy-compare", paramLabel = "DIR",
            description = "Directory for compare.json, report.md and the PNG figures (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--from", paramLabel = "URL",
            description = "Read a running monitor's report (GET URL/api/v1/report) instead of event files, e.g. http://127.0.0.1:9400.")
    String from;

    @Parameters(paramLabel = "FILE", arity = "0..*", description = "Event files (JSONL or JSONL.gz), replayed as one stream.")
    List<Path> files = new ArrayList<>();

    @Mixin
    StatisticsOptions statistics = new StatisticsOptions();

    @Mixin
    SemanticOptions semantic = new SemanticOptions();

    /** Makes the sentence-embedding model, only when --semantic reads event files. */
    private final Supplier<Embedder> embedders;

    public CompareCommand() {
        this(MiniLmEmbedder::new);
    }

    /** @param embedders makes the embedder of {@code --semantic} (tests give a small deterministic one) */
    CompareCommand(Supplier<Embedder> embedders) {
        this.embedders = embedders;
    }

    @Override
    public Integer call() throws IOException {
        System.setProperty("java.awt.headless", "true");
        ReleaseRef base = ReleaseRef.parse("--baseline", baseline);
        ReleaseRef cand = ReleaseRef.parse("--candidate", candidate);
        if (base.equals(cand)) {
            throw new UserError("--baseline and --candidate are both " + base + ": give two different releases");
        }
        if (replicates < MIN_REPLICATES || replicates > MAX_REPLICATES) {
            throw new UserError("--bootstrap must be between " + MIN_REPLICATES + " and " + MAX_REPLICATES + " replicates (the reference uses 2000), got " + replicates);
        }
        if (from != null && !files.isEmpty()) {
            throw new UserError("give either event files or --from URL, not both");
        }
        if (from == null && files.isEmpty()) {
            throw new UserError("nothing to compare: give event files (JSONL or JSONL.gz) or --from URL of a running monitor");
        }
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new UserError("--out " + out + " is a file: give a directory (it is created when missing)");
        }
        ReplayEngine.Options options = statistics.toOptions();
        semantic.validate();
        PrintStream err = System.err;

        LoadedReleases input;
        if (from != null) {
            input = MonitorReportInput.read(from, base, cand, semantic.enabled());
        } else {
            SemanticAnalyzer analyzer = semantic.enabled() ? semantic.analyzer(embedders.get()) : null;
            input = EventFileInput.read(files, options, analyzer, semantic.maxChars(), base, cand, err);
        }
        Bootstrap.Design design = Bootstrap.choose(input.baseline(), input.candidate());
        if (design == Bootstrap.Design.ROLLOUTS && from != null) {
            throw new UserError("--from: " + base + " and " + cand + " are production traffic without prompt ids, whose bootstrap"
                    + " resamples rollouts; a monitor's report only has per-prompt statistics, so run canopy compare on the event files instead");
        }
        Bootstrap.Replicates reps;
        if (design == Bootstrap.Design.ROLLOUTS) {
            BootstrapProgress progress = new BootstrapProgress(err, replicates, System.console() != null);
            progress.start();
            reps = Bootstrap.run(input.baseline(), input.candidate(), design, replicates, seed, options.pairCapacity(), progress::update);
        } else {
            // prompt designs take their intervals from the prompt jackknife (Comparison): nothing to resample here
            reps = Bootstrap.Replicates.notRun(design, replicates, seed);
        }
        Comparison comparison = Comparison.of(input.baseline(), input.candidate(), reps, input.source());
        if (input.semantic()) {
            comparison = comparison.withSemantic(SemanticComparison.of(input.semanticBaseline(), input.semanticCandidate(), design,
                    replicates, seed));
        }
        List<Path> written = write(comparison, from);
        printSummary(comparison, written);
        return 0;
    }

    private List<Path> write(Comparison c, String from) throws IOException {
        Files.createDirectories(out);
        List<Path> written = new ArrayList<>();
        Path json = out.resolve("compare.json");
        CompareJson.write(c, json);
        written.add(json);

        List<MarkdownReport.Figure> figures = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        if (c.baseline().rollouts() != null) {
            Path scatter = out.resolve(ComparePlots.SCATTER);
            ComparePlots.scatter(c, scatter);
            written.add(scatter);
            figures.add(new MarkdownReport.Figure(ComparePlots.SCATTER, "Entropy rate against length.",
                    "Each dot is a rollout (at most " + String.format(Locale.ROOT, "%,d", ComparePlots.MAX_POINTS)
                            + " drawn per release), each line the least-squares fit over all of a release's rollouts, prompts ignored."
                            + " A steeper rise means longer answers carry more information per token."));
        } else {
            notes.add("**No scatter plot.** A monitor's report has no rollout-level data: run `canopy compare` on the event files for "
                    + ComparePlots.SCATTER + ".");
        }
        Path decomposition = out.resolve(ComparePlots.DECOMPOSITION);
        ComparePlots.decomposition(c, decomposition);
        written.add(decomposition);
        figures.add(new MarkdownReport.Figure(ComparePlots.DECOMPOSITION, "CE* decomposition.",
                "CE* = L·R + (CE* − L·R): the first part is what length and rate would give if they were unrelated, the second"
                        + " the contribution of their coupling (below 0 when long answers have lower rates)."));
        Path correlations = out.resolve(ComparePlots.CORRELATIONS);
        ComparePlots.correlations(c, correlations);
        written.add(correlations);
        figures.add(new MarkdownReport.Figure(ComparePlots.CORRELATIONS, "rho(N, r) by method.",
                "Each release's pooled coefficient with its own 95% interval (the table gives the interval of the difference,"
                        + " which is what decides significance; with paired prompts it is narrower than the two bars suggest)."));
        if (c.semantic() != null) {
            Path semanticFigure = out.resolve(ComparePlots.SEMANTIC);
            ComparePlots.semantic(c, semanticFigure);
            written.add(semanticFigure);
            figures.add(new MarkdownReport.Figure(ComparePlots.SEMANTIC, "Semantic diversity against entropy rate, per prompt.",
                    "Each dot is a prompt: its mean rollout diversity d̄ against its mean entropy rate R. This is the relation between"
                            + " prompts; the table's corr(d, r) is the one within prompts, between a prompt's rollouts."));
        }
        if (from != null) {
            notes.add("**Live input.** Read from a running monitor, which keeps counting: a later run sees more rollouts and can differ.");
        }
        Path report = out.resolve("report.md");
        Files.writeString(report, MarkdownReport.render(c, figures, notes), StandardCharsets.UTF_8);
        written.add(1, report);
        return written;
    }

    private static void printSummary(Comparison c, List<Path> written) {
        PrintStream o = System.out;
        Bootstrap.Replicates reps = c.replicates();
        if (reps.design() == Bootstrap.Design.ROLLOUTS) {
            o.printf(Locale.ROOT, "%s -> %s: %s bootstrap (%s), %d replicates, seed %d; flags at a 5%% false discovery rate over %d metrics%n",
                    c.baseline().ref(), c.candidate().ref(), reps.design().mode(), "unpaired", reps.count(), reps.seed(), Metric.COUNT);
        } else {
            o.printf(Locale.ROOT, "%s -> %s: %s by prompt, prompt-jackknife t intervals; flags at a 5%% false discovery rate over %d metrics%n",
                    c.baseline().ref(), c.candidate().ref(), reps.design().paired() ? "paired" : "unpaired", Metric.COUNT);
        }
        for (Metric m : new Metric[] {Metric.PEARSON, Metric.SPEARMAN, Metric.KENDALL, Metric.CE_STAR, Metric.MEAN_LENGTH, Metric.MEAN_ENTROPY_RATE}) {
            Comparison.Result r = c.result(m);
            o.printf(Locale.ROOT, "  %-32s %10s -> %-10s delta %s %s%s%n", m.key(), plain(r.baseline()), plain(r.candidate()),
                    plain(r.delta()), plainInterval(r), flag(r));
        }
        SemanticComparison s = c.semantic();
        if (s != null) {
            o.printf(Locale.ROOT, "  semantic diversity, %s:%n", s.resampled()
                    ? (s.design().paired() ? "paired" : "unpaired") + " by prompt, " + s.baseline().prompts() + " / "
                    + s.candidate().prompts() + " prompts"
                    : "no intervals (traffic without prompt ids is one group)");
            for (SemanticMetric m : SemanticMetric.values()) {
                Comparison.Result r = s.result(m);
                o.printf(Locale.ROOT, "    %-30s %10s -> %-10s delta %s %s%s%n", m.key(), plain(r.baseline()), plain(r.candidate()),
                        plain(r.delta()), plainInterval(r), flag(r));
            }
            SemanticComparison.Ratio ratio = s.ratio();
            o.printf(Locale.ROOT, "    %-30s %s%n", "diversity_entropy_rate ratio", Double.isFinite(ratio.value())
                    ? plain(ratio.value()) + " (candidate / baseline) [" + plain(ratio.ciLow()) + ", " + plain(ratio.ciHigh()) + "]"
                    : "n/a (defined when both are positive)");
        }
        o.println("wrote " + String.join(", ", written.stream().map(Path::toString).toList()));
        o.flush();
    }

    private static String flag(Comparison.Result r) {
        return Boolean.TRUE.equals(r.significant()) ? "  significant" : r.excludesZero() ? "  (unadjusted)" : "";
    }

    private static String plain(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.4g", v) : "n/a";
    }

    private static String plainInterval(Comparison.Result r) {
        return "[" + plain(r.ciLow()) + ", " + plain(r.ciHigh()) + "]";
    }
}
