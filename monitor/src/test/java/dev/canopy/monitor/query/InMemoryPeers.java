package dev.canopy.monitor.query;

import org.apache.kafka.streams.state.HostInfo;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Other instances answering in memory: each is a function from the asked path to its body. An instance
 * with no function is down (the reason names it, as {@link PeerClient}'s do). Every request is recorded
 * as {@code host + path}.
 */
public final class InMemoryPeers implements Peers {

    public final Map<HostInfo, Function<String, byte[]>> answering = new ConcurrentHashMap<>();
    public final List<String> asked = new ArrayList<>();

    @Override
    public synchronized byte[] fetch(HostInfo host, String path) throws PeerClient.UnavailableException {
        asked.add(host + path);
        Function<String, byte[]> instance = answering.get(host);
        if (instance == null) {
            throw new PeerClient.UnavailableException("instance " + host.host() + ":" + host.port() + " cannot be reached (test)");
        }
        return instance.apply(path);
    }

    @Override
    public PeerClient.Gathered fetchAll(List<PeerClient.Peer> peers, String path) {
        Map<HostInfo, byte[]> bodies = new LinkedHashMap<>();
        List<PeerClient.Missing> missing = new ArrayList<>();
        for (PeerClient.Peer p : peers) {
            try {
                bodies.put(p.host(), fetch(p.host(), path));
            } catch (PeerClient.UnavailableException e) {
                missing.add(new PeerClient.Missing(p.host().host() + ":" + p.host().port(), e.getMessage(), p.partitions()));
            }
        }
        return new PeerClient.Gathered(bodies, List.copyOf(missing));
    }
}
