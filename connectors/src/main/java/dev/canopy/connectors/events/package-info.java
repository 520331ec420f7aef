/**
 * Contract-v1 token events: {@link dev.canopy.connectors.events.EventWriter} writes them,
 * {@link dev.canopy.connectors.events.RolloutEmitter} turns a server's per-token values into them
 * (positions, the {@code final} flag, validation), {@link dev.canopy.connectors.events.TokenEventSink}
 * receives them.
 */
package dev.canopy.connectors.events;
