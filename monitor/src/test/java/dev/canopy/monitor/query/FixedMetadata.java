package dev.canopy.monitor.query;

import org.apache.kafka.streams.state.HostInfo;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Instances and key owners as a test sets them; every key not listed is held by this instance. */
public final class FixedMetadata implements MetadataService {

    public final List<PeerClient.Peer> others = new ArrayList<>();
    /** Owner by store name and key, as {@code store + "/" + key}. */
    public final Map<String, HostInfo> owners = new HashMap<>();

    @Override
    public List<PeerClient.Peer> otherInstances() {
        return List.copyOf(others);
    }

    @Override
    public Optional<HostInfo> activeHost(String store, String key) {
        return Optional.ofNullable(owners.get(store + "/" + key));
    }
}
