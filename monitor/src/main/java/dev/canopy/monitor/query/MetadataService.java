package dev.canopy.monitor.query;

import org.apache.kafka.streams.state.HostInfo;

import java.util.List;
import java.util.Optional;

/** Which instances the application has and which of them holds a key: Kafka Streams' metadata, or a test's stand-in. */
public interface MetadataService {

    /** The other instances of the application, each with the input partitions it holds as active tasks. */
    List<PeerClient.Peer> otherInstances();

    /** The other instance holding {@code key} of {@code store} as an active task; empty when this instance does (or none is known). */
    Optional<HostInfo> activeHost(String store, String key);
}
