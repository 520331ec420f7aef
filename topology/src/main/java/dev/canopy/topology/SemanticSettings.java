package dev.canopy.topology;

import dev.canopy.core.config.CanopyConfig;

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

    public static final int DEFAULT_MAX_CHARS = CanopyConfig.DEFAULT_SEMANTIC_MAX_CHARS;
    public static final int DEFAULT_PER_PROMPT = CanopyConfig.DEFAULT_SEMANTIC_PER_PROMPT;
    public static final int DEFAULT_MAX_PROMPTS = CanopyConfig.DEFAULT_SEMANTIC_MAX_PROMPTS;
    public static final double DEFAULT_MAX_RATE = CanopyConfig.DEFAULT_SEMANTIC_MAX_RATE;
    public static final int DEFAULT_BACKLOG = CanopyConfig.DEFAULT_SEMANTIC_BACKLOG;

    public SemanticSettings {
        CanopyConfig.SEMANTIC_MAX_CHARS.check(maxChars);
        CanopyConfig.SEMANTIC_PER_PROMPT.check(perPrompt);
        CanopyConfig.SEMANTIC_MAX_PROMPTS.check(maxPrompts);
        CanopyConfig.SEMANTIC_MAX_RATE.check(maxRate);
        CanopyConfig.SEMANTIC_BACKLOG.check(backlog);
    }

    public static SemanticSettings disabled() {
        return new SemanticSettings(false, DEFAULT_MAX_CHARS, DEFAULT_PER_PROMPT, DEFAULT_MAX_PROMPTS, DEFAULT_MAX_RATE, DEFAULT_BACKLOG);
    }

    public SemanticSettings enabled(boolean on) {
        return new SemanticSettings(on, maxChars, perPrompt, maxPrompts, maxRate, backlog);
    }
}
