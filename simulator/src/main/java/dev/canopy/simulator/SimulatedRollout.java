package dev.canopy.simulator;

import java.util.Objects;

/**
 * A sampled rollout together with the identity it is published under: the input of {@link RolloutRecords}
 * and what {@link SimulatedFleet} reports to its rollout listener (the ground truth a test can compare
 * the monitor's output against).
 *
 * @param model         deployed model name (contract field {@code model})
 * @param release       release name (contract field {@code release})
 * @param rolloutId     contract field {@code rollout_id}
 * @param promptId      contract field {@code prompt_id}, or null in production-traffic mode
 * @param languageModel the chain the rollout was sampled from (its closed forms are this prompt's truth)
 * @param sample        the sampled steps
 */
public record SimulatedRollout(String model, String release, String rolloutId, String promptId,
                               MarkovLanguageModel languageModel, SampledRollout sample) {

    public SimulatedRollout {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(release, "release");
        Objects.requireNonNull(rolloutId, "rolloutId");
        Objects.requireNonNull(languageModel, "languageModel");
        Objects.requireNonNull(sample, "sample");
    }

    /** N, the number of positions the rollout's records cover. */
    public int length() {
        return sample.length();
    }

    /**
     * The rollout's text as an {@link RolloutRecords} with text on spells it, step by step: {@link TokenText#of}
     * for this rollout's vocabulary.
     */
    public String text() {
        return TokenText.of(sample, languageModel.vocabularySize());
    }
}
