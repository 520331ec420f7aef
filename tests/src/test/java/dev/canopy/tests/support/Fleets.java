package dev.canopy.tests.support;

import dev.canopy.simulator.EstimatorMode;
import dev.canopy.simulator.ModelStyles;
import dev.canopy.simulator.SimulatedFleet;

/** The simulated deployments the integration tests feed the monitor. */
public final class Fleets {

    private static final int VOCABULARY = 32;

    private Fleets() {
    }

    /**
     * Two models with two releases each (a base-style and a tuned-style chain per model), in prompt-set
     * mode, every estimator in use, and the delivery faults of real traffic: interleaving, a shuffle
     * window (out-of-order positions), producer retries, about 1% malformed records and some null keys.
     * Rollout ids start with {@code idPrefix}, so fleets of one test never collide.
     */
    public static SimulatedFleet.Builder twoModelsTwoReleases(long seed, String idPrefix, int prompts, int samplesPerPrompt) {
        return SimulatedFleet.builder()
                .stream("llama-3.1-8b-chat", "ft-2026-11-20", ModelStyles.base(seed, VOCABULARY))
                .stream("llama-3.1-8b-chat", "ft-2026-12-04", ModelStyles.tuned(seed + 1, VOCABULARY))
                .stream("qwen-2.5-7b", "r1", ModelStyles.base(seed + 2, VOCABULARY))
                .stream("qwen-2.5-7b", "r2", ModelStyles.tuned(seed + 3, VOCABULARY))
                .seed(seed)
                .rolloutIdPrefix(idPrefix)
                .promptSet(prompts, samplesPerPrompt)
                .concurrency(16)
                .maxTokens(128)
                .estimators(EstimatorMode.EXACT, EstimatorMode.TOPK, EstimatorMode.SURPRISAL, EstimatorMode.MIXED)
                .shuffleWindow(48)
                .duplicateProbability(0.02)
                .malformedFraction(0.01)
                .nullKeyFraction(0.05);
    }

    /** A clean fleet: two releases of one model, every record keyed by its rollout id, in order, no faults. */
    public static SimulatedFleet.Builder clean(long seed, String idPrefix, int prompts, int samplesPerPrompt) {
        return SimulatedFleet.builder()
                .stream("mistral-7b", "v1", ModelStyles.base(seed, VOCABULARY))
                .stream("mistral-7b", "v2", ModelStyles.tuned(seed + 1, VOCABULARY))
                .seed(seed)
                .rolloutIdPrefix(idPrefix)
                .promptSet(prompts, samplesPerPrompt)
                .concurrency(4)
                .maxTokens(128)
                .estimators(EstimatorMode.EXACT, EstimatorMode.TOPK, EstimatorMode.SURPRISAL, EstimatorMode.MIXED);
    }
}
