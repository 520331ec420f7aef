package dev.canopy.monitor.query;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.state.HostInfo;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The instances of the application as Kafka Streams knows them from {@code application.server}. An
 * instance that advertises no server (a negative port) cannot be asked, and is left out.
 */
public final class StreamsMetadataService implements MetadataService {

    private final KafkaStreams streams;
    private final HostInfo self;

    /** @param self this instance's own {@code application.server}, never listed as another instance */
    public StreamsMetadataService(KafkaStreams streams, HostInfo self) {
        this.streams = streams;
        this.self = self;
    }

    @Override
    public List<PeerClient.Peer> otherInstances() {
        List<PeerClient.Peer> out = new ArrayList<>();
        for (StreamsMetadata m : streams.metadataForAllStreamsClients()) {
            if (!m.hostInfo().equals(self) && m.hostInfo().port() >= 0) {
                out.add(new PeerClient.Peer(m.hostInfo(), m.topicPartitions().stream()
                        .map(tp -> tp.topic() + "-" + tp.partition()).sorted().toList()));
            }
        }
        return out;
    }

    @Override
    public Optional<HostInfo> activeHost(String store, String key) {
        KeyQueryMetadata meta = streams.queryMetadataForKey(store, key, Serdes.String().serializer());
        if (meta == null || meta.activeHost() == null || meta.activeHost().equals(self) || meta.activeHost().port() < 0) {
            return Optional.empty();
        }
        return Optional.of(meta.activeHost());
    }
}
