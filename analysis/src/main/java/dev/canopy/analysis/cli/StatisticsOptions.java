package dev.canopy.analysis.cli;

import dev.canopy.core.UserError;

import dev.canopy.core.events.EventParser;
import dev.canopy.core.replay.ReplayEngine;
import dev.canopy.core.stats.GroupAccumulator;
import dev.canopy.core.stats.PairSample;
import dev.canopy.core.entropy.StepEntropy;
import picocli.CommandLine.Option;

/** Statistics settings shared by every command that computes metrics. */
public final class StatisticsOptions {

    @Option(names = "--vocabulary-size", paramLabel = "V", defaultValue = "" + StepEntropy.DEFAULT_VOCABULARY_SIZE,
            description = "Vocabulary size for the CE* upper bound of top-k steps (default: ${DEFAULT-VALUE}).")
    int vocabularySize;

    @Option(names = "--pair-capacity", paramLabel = "K", defaultValue = "" + PairSample.DEFAULT_CAPACITY,
            description = "(N, r) pairs kept exactly per prompt group; beyond it Spearman and Kendall use a uniform bottom-K sample (default: ${DEFAULT-VALUE}).")
    int pairCapacity;

    @Option(names = "--max-prompts", paramLabel = "P", defaultValue = "" + GroupAccumulator.DEFAULT_MAX_PROMPTS,
            description = "Prompt groups tracked per model and release; beyond it a uniform sample of P prompts (default: ${DEFAULT-VALUE}).")
    int maxPrompts;

    @Option(names = "--max-position", paramLabel = "P", defaultValue = "" + EventParser.MAX_POSITION,
            description = "Largest accepted token position; a record with a larger one is rejected as position_out_of_range (default: ${DEFAULT-VALUE}).")
    int maxPosition;

    @Option(names = "--max-name-bytes", paramLabel = "B", defaultValue = "" + EventParser.MAX_NAME_BYTES,
            description = "Longest accepted model, release, rollout_id, prompt_id or finish_reason in UTF-8 bytes; longer is rejected as name_too_long (default: ${DEFAULT-VALUE}).")
    int maxNameBytes;

    public ReplayEngine.Options toOptions() {
        if (vocabularySize < 2) {
            throw new UserError("--vocabulary-size must be at least 2, got " + vocabularySize);
        }
        if (pairCapacity < 2) {
            throw new UserError("--pair-capacity must be at least 2, got " + pairCapacity);
        }
        if (maxPrompts < 1) {
            throw new UserError("--max-prompts must be at least 1, got " + maxPrompts);
        }
        if (maxPosition < 0 || maxPosition == Integer.MAX_VALUE) {
            throw new UserError("--max-position must be between 0 and " + (Integer.MAX_VALUE - 1) + ", got " + maxPosition);
        }
        if (maxNameBytes < 1) {
            throw new UserError("--max-name-bytes must be at least 1, got " + maxNameBytes);
        }
        return new ReplayEngine.Options(vocabularySize, pairCapacity, maxPrompts, new EventParser.Limits(maxPosition, maxNameBytes));
    }
}
