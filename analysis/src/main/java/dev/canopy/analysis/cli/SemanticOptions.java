package dev.canopy.analysis.cli;

import dev.canopy.core.UserError;

import dev.canopy.semantic.Embedder;
import dev.canopy.semantic.SemanticAnalyzer;
import dev.canopy.topology.SemanticSettings;
import picocli.CommandLine.Option;

/**
 * The semantic-diversity options shared by {@code canopy replay} and {@code canopy compare}: whether to
 * measure it, how much text of a rollout to embed and how many embedded rollouts to keep per prompt group
 * and prompt groups per release. The defaults are the streaming monitor's, so that a replay of the
 * events a monitor consumed keeps the same sample and reports the same numbers.
 */
public final class SemanticOptions {


    @Option(names = "--semantic", description = {"Semantic diversity (the paper's second finding): the events' text fields are embedded",
            "with an in-process sentence-embedding model (all-MiniLM-L6-v2, quantized) and compared within each prompt group."})
    boolean enabled;

    @Option(names = "--semantic-max-chars", defaultValue = "4000", paramLabel = "N",
            description = "Text kept per rollout for embedding (default: ${DEFAULT-VALUE}).")
    int maxChars;

    @Option(names = "--semantic-per-prompt", defaultValue = "" + SemanticSettings.DEFAULT_PER_PROMPT, paramLabel = "K",
            description = "Embedded rollouts kept per prompt group, a uniform sample beyond (default: ${DEFAULT-VALUE}, as the monitor).")
    int perPrompt;

    @Option(names = "--semantic-max-prompts", defaultValue = "" + SemanticSettings.DEFAULT_MAX_PROMPTS, paramLabel = "P",
            description = "Prompt groups with embedded rollouts kept per release, a uniform sample beyond (default: ${DEFAULT-VALUE}, as the monitor).")
    int maxPrompts;

    public boolean enabled() {
        return enabled;
    }

    public int maxChars() {
        return maxChars;
    }

    public int perPrompt() {
        return perPrompt;
    }

    public int maxPrompts() {
        return maxPrompts;
    }

    /** Checks the settings when semantic diversity is on; a {@link UserError} names the bad one. */
    public void validate() {
        if (enabled && (maxChars < 1 || perPrompt < 2 || maxPrompts < 1)) {
            throw new UserError("--semantic-max-chars and --semantic-max-prompts must be positive and --semantic-per-prompt at least 2");
        }
    }

    /** A new analyzer with these settings (after {@link #validate()}). */
    public SemanticAnalyzer analyzer(Embedder embedder) {
        validate();
        return new SemanticAnalyzer(embedder, perPrompt, maxPrompts);
    }
}
