/**
 * Contract-v1 token events: {@link dev.canopy.connectors.events.TokenEvent} holds one step and writes it with
 * core's {@link dev.canopy.core.events.EventWriter},
 * {@link dev.canopy.connectors.events.RolloutEmitter} turns a server's per-token values into them
 * (positions, the {@code final} flag, validation), {@link dev.canopy.connectors.events.TokenEventSink}
 * receives them.
 */
package dev.canopy.connectors.events;
