package dev.canopy.connectors.events;

/**
 * Where adapters deliver their output. Implementations used by the proxy must not block: they are
 * called on the thread that relays the response to the client.
 */
public interface TokenEventSink {

    /**
     * One contract-v1 record. The Kafka record key should be {@code rolloutId}.
     *
     * @param record UTF-8 JSON; the array is not reused by the caller
     */
    void publish(String rolloutId, byte[] record);

    /** A step or payload that produced no event, with the reason (to be counted). */
    void reject(Rejection rejection);
}
