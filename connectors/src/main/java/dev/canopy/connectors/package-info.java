/**
 * Connectors: from what inference servers actually return to token events of contract v1
 * (docs/EVENTS.md), and onto Kafka.
 *
 * <ul>
 *   <li>{@link dev.canopy.connectors.events}: the contract-v1 writer, the per-rollout emitter that
 *       decides positions, {@code final} and rejections, prompt-id hashing;</li>
 *   <li>{@link dev.canopy.connectors.adapters}: one adapter per server output format (OpenAI-compatible
 *       chat and legacy completions, TGI, llama.cpp, Ollama, vLLM engine output, GLTR);</li>
 *   <li>{@link dev.canopy.connectors.kafka}: the non-blocking, bounded Kafka publisher;</li>
 *   <li>{@link dev.canopy.connectors.proxy}: {@code LogprobProxy}, a reverse proxy in front of an
 *       OpenAI-compatible server ({@code canopy proxy});</li>
 *   <li>{@link dev.canopy.connectors.probe}: {@code Prober}, scheduled probe sets ({@code canopy probe}).</li>
 * </ul>
 * What each server's data allows and how to switch logprobs on is in docs/connectors.md.
 */
package dev.canopy.connectors;
