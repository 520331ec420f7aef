package dev.canopy.app;

import dev.canopy.core.UserError;

import dev.canopy.simulator.EstimatorMode;
import dev.canopy.simulator.FleetStats;
import dev.canopy.simulator.FleetFiles;
import dev.canopy.simulator.ModelStyles;
import dev.canopy.simulator.SimulatedFleet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code canopy simulate}: writes an event file from simulated models, to try replay and for benchmarks. */
@Command(name = "simulate", mixinStandardHelpOptions = true,
        description = {"Writes token events of simulated models to a file, to try replay.",
                "JSONL (gzip when the name ends in .gz): a base-style and a fine-tuned-style release of one model,",
                "sampling a probe set of prompts."})
public final class SimulateCommand implements Callable<Integer> {

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Output file (.jsonl or .jsonl.gz).")
    Path out;

    @Option(names = "--events", defaultValue = "100000", description = "Event records to write (default: ${DEFAULT-VALUE}).")
    long events;

    @Option(names = "--estimator", defaultValue = "MIXED",
            description = "Entropy field of the events: EXACT, TOPK, SURPRISAL or MIXED (default: ${DEFAULT-VALUE}).")
    EstimatorMode estimator;

    @Option(names = "--chunk-size", defaultValue = "1", description = "Tokens per record: 1 for the per-token form, more for chunks (default: ${DEFAULT-VALUE}).")
    int chunkSize;

    @Option(names = "--malformed", defaultValue = "0.001", description = "Share of malformed records (default: ${DEFAULT-VALUE}).")
    double malformed;

    @Option(names = "--seed", defaultValue = "42", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--text", description = "Add each token's text (made-up words), so replay --semantic can be tried.")
    boolean text;

    @Override
    public Integer call() throws IOException {
        if (events < 1) {
            throw new UserError("--events must be at least 1");
        }
        if (chunkSize < 1) {
            throw new UserError("--chunk-size must be at least 1");
        }
        if (malformed < 0 || malformed >= 1) {
            throw new UserError("--malformed must be in [0, 1)");
        }
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        SimulatedFleet fleet = SimulatedFleet.builder()
                .stream("sim-chat-8b", "base-2026-11-01", ModelStyles.base(seed, 48))
                .stream("sim-chat-8b", "ft-2026-11-20", ModelStyles.tuned(seed + 1, 48))
                .seed(seed)
                .promptSet(64, (int) Math.min(Integer.MAX_VALUE, events / (2 * 64 * 20) + 2))
                .concurrency(64)
                .estimator(estimator)
                .topK(20)
                .chunkSize(chunkSize)
                .text(text)
                .shuffleWindow(8)
                .duplicateProbability(0.001)
                .malformedFraction(malformed)
                .timestamps(1_764_000_000_000L, 1)
                .build();
        long started = System.nanoTime();
        FleetStats stats = FleetFiles.write(out, fleet, events);
        double seconds = (System.nanoTime() - started) / 1e9;
        System.err.printf(Locale.ROOT, "canopy: wrote %,d records (%,d rollouts started, %,d malformed) to %s in %.1f s%n",
                stats.records(), stats.rolloutsStarted(), stats.malformed(), out, seconds);
        return 0;
    }
}
