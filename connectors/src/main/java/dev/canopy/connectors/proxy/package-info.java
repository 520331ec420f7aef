/**
 * {@link dev.canopy.connectors.proxy.LogprobProxy}: a reverse proxy in front of an OpenAI-compatible
 * server that relays traffic unchanged and publishes the responses' logprobs as token events.
 */
package dev.canopy.connectors.proxy;
