/**
 * Adapters from inference servers' output formats to contract-v1 token events. Each adapter copies
 * the payload's numbers unchanged into {@link dev.canopy.connectors.events.TokenStep}s and leaves
 * validation, positions and the {@code final} flag to
 * {@link dev.canopy.connectors.events.RolloutEmitter}. Non-streamed bodies go through a static
 * {@code adapt...} method; streamed bodies through a {@link dev.canopy.connectors.adapters.StreamingAdapter}
 * fed with the raw wire bytes in whatever pieces they arrive.
 *
 * <p>No adapter ever invents an {@code entropy}: none of these servers reports one. Candidates go to
 * {@code top_logprobs} exactly as the server lists them (including, for vLLM's dictionaries, the sampled
 * token when it ranks below k), the sampled token's value to {@code logprob}.
 */
package dev.canopy.connectors.adapters;
