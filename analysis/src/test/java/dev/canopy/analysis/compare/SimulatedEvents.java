package dev.canopy.analysis.compare;

import dev.canopy.simulator.EstimatorMode;
import dev.canopy.simulator.FleetFiles;
import dev.canopy.simulator.MarkovLanguageModel;
import dev.canopy.simulator.SimulatedFleet;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** Event files from the simulator for the compare tests: one model, one or two releases. */
final class SimulatedEvents {

    static final String MODEL = "sim-chat-8b";
    static final int VOCAB = 48;

    private SimulatedEvents() {
    }

    /** Prompt-set mode: every release samples {@code samples} rollouts of each of {@code prompts} prompts. */
    static Path promptSet(Path file, long seed, int prompts, int samples, EstimatorMode estimator, String idPrefix,
                          Object... releaseThenModel) {
        SimulatedFleet.Builder b = SimulatedFleet.builder().seed(seed).promptSet(prompts, samples).concurrency(32)
                .estimator(estimator).topK(20).rolloutIdPrefix(idPrefix);
        return write(file, streams(b, releaseThenModel).build());
    }

    /** Traffic mode (no prompt ids): {@code rollouts} rollouts over all releases, round-robin. */
    static Path traffic(Path file, long seed, long rollouts, Object... releaseThenModel) {
        SimulatedFleet.Builder b = SimulatedFleet.builder().seed(seed).rollouts(rollouts).concurrency(32).rolloutIdPrefix("t-");
        return write(file, streams(b, releaseThenModel).build());
    }

    private static SimulatedFleet.Builder streams(SimulatedFleet.Builder b, Object... releaseThenModel) {
        for (int i = 0; i < releaseThenModel.length; i += 2) {
            b.stream(MODEL, (String) releaseThenModel[i], (MarkovLanguageModel) releaseThenModel[i + 1]);
        }
        return b;
    }

    private static Path write(Path file, SimulatedFleet fleet) {
        try {
            FleetFiles.write(file, fleet);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }
}
