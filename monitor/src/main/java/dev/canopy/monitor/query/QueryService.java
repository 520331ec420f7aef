package dev.canopy.monitor.query;

import dev.canopy.core.report.Report;
import dev.canopy.core.stats.GroupKey;
import dev.canopy.topology.ReleaseLineage;
import dev.canopy.topology.StoreNames;
import dev.canopy.topology.StoreReports;
import dev.canopy.topology.WindowValue;
import org.apache.kafka.streams.state.HostInfo;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Interactive queries over every instance of the application. Several instances sharing an application
 * id split the partitions; each answers for all of them by merging its own state with the other
 * instances' parts, fetched from their {@code application.server} within the peer timeout. An instance
 * that gives no part in time is named in the answer with the partitions it holds, instead of holding it up.
 * <p>
 * Reads may throw {@link org.apache.kafka.streams.errors.InvalidStateStoreException} while this
 * instance's stores are not queryable (starting, rebalancing).
 */
public final class QueryService {

    /** Where an instance gives its own cumulative state, in {@link Partials}' binary form. */
    public static final String PARTIAL_PATH = "/api/v1/internal/partial";
    /** Where an instance gives its own shift verdicts, as JSON lines. */
    public static final String SHIFTS_PATH = "/api/v1/internal/shifts";
    /** Where an instance gives a release's windows; with {@code local=1}, only from its own stores. */
    public static final String WINDOWS_PATH = "/api/v1/windows";

    private final LocalStores stores;
    private final MetadataService metadata;
    private final Peers peers;
    private final boolean semantic;

    /** @param semantic whether semantic diversity is on (the report then carries each release's {@code semantic} block) */
    public QueryService(LocalStores stores, MetadataService metadata, Peers peers, boolean semantic) {
        this.stores = stores;
        this.metadata = metadata;
        this.peers = peers;
        this.semantic = semantic;
    }

    /** An answer over every instance that gave its part in time, and those that did not (empty when it is complete). */
    public record Answer<T>(T value, List<PeerClient.Missing> missing) {
        public boolean partial() {
            return !missing.isEmpty();
        }
    }

    /**
     * The merged state of every instance, with each release's deployment time and baseline (the web page's
     * overview), and the instances that gave no part in time (empty when the overview is complete).
     */
    public record Overview(StoreReports.Partial state, Map<GroupKey, ReleaseLineage.Release> lineage, List<PeerClient.Missing> missing) {
    }

    /** A release's windows: from this instance's stores, or the owning instance's {@value #WINDOWS_PATH} answer as it gave it. */
    public record Windows(List<WindowValue> local, byte[] fromOwner) {
        public boolean remote() {
            return fromOwner != null;
        }
    }

    public boolean semantic() {
        return semantic;
    }

    /** This instance's own stores. */
    public LocalStores local() {
        return stores;
    }

    /** This instance's own cumulative state, as the other instances read it from {@value #PARTIAL_PATH}. */
    public byte[] localPartial() {
        return Partials.encode(stores.partial());
    }

    /** This instance's own verdicts as JSON lines, as the other instances read them from {@value #SHIFTS_PATH}. */
    public byte[] localShifts() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] verdict : stores.shifts()) {
            out.writeBytes(verdict);
            out.write('\n');
        }
        return out.toByteArray();
    }

    /** This instance's state merged with the parts the other instances gave within the peer timeout. */
    public Answer<StoreReports.Partial> state() throws IOException, InterruptedException {
        return gather(stores.partial(), PARTIAL_PATH, Partials::decode, StoreReports.Partial::merge);
    }

    /**
     * The cumulative report over every instance of the application.
     *
     * @throws PeerClient.UnavailableException when another instance cannot give its part in time
     */
    public Report report() throws IOException, InterruptedException {
        Answer<StoreReports.Partial> all = state();
        if (all.partial()) {
            throw new PeerClient.UnavailableException(all.missing().get(0).reason());
        }
        return all.value().report();
    }

    /** The cumulative state over every instance and each release's lineage. */
    public Overview overview() throws IOException, InterruptedException {
        Answer<StoreReports.Partial> all = state();
        return new Overview(all.value(), stores.lineage(LocalStores.firstSeen(all.value().groups())), all.missing());
    }

    /** The verdicts of every instance that answered in time (raw JSON objects), and those that did not. */
    public Answer<List<byte[]>> shifts() throws IOException, InterruptedException {
        return gather(new ArrayList<>(stores.shifts()), SHIFTS_PATH, QueryService::lines, List::addAll);
    }

    /**
     * The windows of one release, from whichever instance owns them.
     *
     * @throws PeerClient.UnavailableException when the owner gives no answer in time
     */
    public Windows windows(GroupKey key) throws IOException, InterruptedException {
        Optional<HostInfo> owner = metadata.activeHost(StoreNames.WINDOWS, StoreReports.groupKey(key));
        if (owner.isPresent()) {
            return new Windows(null, peers.fetch(owner.get(),
                    WINDOWS_PATH + "?local=1&model=" + enc(key.model()) + "&release=" + enc(key.release())));
        }
        return new Windows(stores.windows(key), null);
    }

    /** Reads one part from every other instance at once and merges each answer into {@code local}. */
    private <T> Answer<T> gather(T local, String path, Decoder<T> decoder, Merger<T> merger) throws IOException, InterruptedException {
        PeerClient.Gathered gathered = peers.fetchAll(metadata.otherInstances(), path);
        for (byte[] body : gathered.bodies().values()) {
            merger.merge(local, decoder.decode(body));
        }
        return new Answer<>(local, gathered.missing());
    }

    @FunctionalInterface
    private interface Decoder<T> {
        T decode(byte[] body) throws IOException;
    }

    @FunctionalInterface
    private interface Merger<T> {
        void merge(T into, T part);
    }

    private static List<byte[]> lines(byte[] body) {
        List<byte[]> out = new ArrayList<>();
        for (String line : new String(body, StandardCharsets.UTF_8).split("\n")) {
            if (!line.isBlank()) {
                out.add(line.getBytes(StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
