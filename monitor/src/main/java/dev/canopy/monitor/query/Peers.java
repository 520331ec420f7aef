package dev.canopy.monitor.query;

import org.apache.kafka.streams.state.HostInfo;

import java.util.List;

/**
 * How this instance reads from the other instances of the application: {@link PeerClient} over HTTP,
 * or a test's stand-in.
 */
public interface Peers {

    /** One instance's answer to {@code path}; {@link PeerClient.UnavailableException} (naming the instance) if it gives none in time. */
    byte[] fetch(HostInfo host, String path) throws PeerClient.UnavailableException, InterruptedException;

    /** Asks every instance at once: the bodies of those that answered in time, and the rest with the reason. */
    PeerClient.Gathered fetchAll(List<PeerClient.Peer> peers, String path) throws InterruptedException;
}
