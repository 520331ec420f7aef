package dev.canopy.topology;

/**
 * Settings of semantic diversity in the streaming monitor (off by default: it keeps generated text).
 *
 * @param enabled    keep rollout texts while they are in flight and embed completed rollouts
 * @param maxChars   characters of text kept per rollout (the beginning; the model reads at most 128 word pieces)
 * @param perPrompt  embedded rollouts kept per prompt (bottom-k by rollout-id hash)
 * @param maxPrompts prompts kept per model and release (bottom-k by prompt-id hash)
 * @param maxRate    embeddings per second this instance may spend (a token bucket shared by its
 *                   tasks); rollouts the sample keeps beyond it wait in the backlog
 * @param backlog    rollouts the sample keeps that may wait for the budget, per stream task; beyond
 *                   it they are dropped and counted as over budget
 */
public record SemanticSettings(boolean enabled, int maxChars, int perPrompt, int maxPrompts, double maxRate, int backlog) {

    public static final int DEFAULT_MAX_CHARS = 4000;
    public static final int DEFAULT_PER_PROMPT = 32;
    public static final int DEFAULT_MAX_PROMPTS = 1000;
    public static final double DEFAULT_MAX_RATE = 100;
    public static final int DEFAULT_BACKLOG = 10_000;

    public SemanticSettings {
        if (maxChars < 1) {
            throw new IllegalArgumentException("canopy.semantic.max.chars must be at least 1, got " + maxChars);
        }
        if (perPrompt < 2) {
            throw new IllegalArgumentException("canopy.semantic.per.prompt must be at least 2 (diversity compares rollouts of a prompt), got " + perPrompt);
        }
        if (maxPrompts < 1) {
            throw new IllegalArgumentException("canopy.semantic.max.prompts must be at least 1, got " + maxPrompts);
        }
        if (!(maxRate > 0) || Double.isInfinite(maxRate)) {
            throw new IllegalArgumentException("canopy.semantic.max.rate must be a positive number of embeddings per second, got " + maxRate);
        }
        if (backlog < 1) {
            throw new IllegalArgumentException("canopy.semantic.backlog must be at least 1 rollout, got " + backlog);
        }
    }

    public static SemanticSettings disabled() {
        return new SemanticSettings(false, DEFAULT_MAX_CHARS, DEFAULT_PER_PROMPT, DEFAULT_MAX_PROMPTS, DEFAULT_MAX_RATE, DEFAULT_BACKLOG);
    }

    public SemanticSettings enabled(boolean on) {
        return new SemanticSettings(on, maxChars, perPrompt, maxPrompts, maxRate, backlog);
    }
}
