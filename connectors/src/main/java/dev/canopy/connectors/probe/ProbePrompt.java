package dev.canopy.connectors.probe;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One prompt of a probe set.
 *
 * @param id        the prompt id given in the probe file, or null: then the prober uses the hash
 *                  ({@code PromptIds}) of what it sends, the chat {@code messages} or the legacy {@code prompt},
 *                  which is the id the proxy computes with prompt hashing on
 * @param category  free-form label (coding, math, ...), or null
 * @param prompt    the prompt text, or null when {@code messages} is given
 * @param messages  chat messages (a JSON array), or null
 * @param maxTokens per-prompt token limit, or null for the prober's default
 */
public record ProbePrompt(String id, String category, String prompt, JsonNode messages, Integer maxTokens) {
}
