/**
 * {@link dev.canopy.connectors.probe.Prober}: sends a fixed probe set to an OpenAI-compatible endpoint
 * on a schedule, n samples per prompt with logprobs on, and publishes the token events with stable
 * prompt ids, so that CE* and rho(N, r_N) are measured per prompt, as the paper does.
 */
package dev.canopy.connectors.probe;
