package dev.canopy.monitor;

import dev.canopy.monitor.query.PeerClient;

import dev.canopy.monitor.query.Partials;

import dev.canopy.monitor.http.HttpApi;
import dev.canopy.monitor.metrics.CanopyMetrics;
import dev.canopy.monitor.metrics.ReleaseSnapshot;
import dev.canopy.core.report.Report;
import dev.canopy.core.stats.GroupAccumulator;
import dev.canopy.core.stats.GroupKey;
import dev.canopy.core.stats.GroupMetrics;
import dev.canopy.semantic.MiniLmEmbedder;
import dev.canopy.topology.CanopyTopology;
import dev.canopy.topology.ReleaseLineage;
import dev.canopy.topology.ReleaseRecord;
import dev.canopy.topology.ShiftVerdict;
import dev.canopy.topology.StoreReports;
import dev.canopy.topology.StoreNames;
import dev.canopy.topology.WindowValue;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One monitor instance: the Kafka Streams topology, its HTTP API with {@code /metrics}, and the
 * publisher that refreshes the exported per-release series. Several instances sharing an application
 * id split the partitions; each answers the report API for all of them by merging the other
 * instances' partial states (fetched over HTTP from their {@code application.server}).
 */
public final class MonitorApp implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MonitorApp.class);

    private final MonitorSettings settings;
    private final KafkaStreams streams;
    private final HttpApi http;
    private final CanopyMetrics metrics;
    private final HostInfo self;
    private final PeerClient peers;
    private final ScheduledExecutorService publisher;
    private final CompletableFuture<String> failure = new CompletableFuture<>();
    private final ThreadFailures threadFailures = new ThreadFailures(System::nanoTime);
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile Throwable lastFailure;

    private MonitorApp(MonitorSettings settings, PrometheusRegistry registry) {
        this.settings = settings;
        this.peers = new PeerClient(settings.peerTimeout());
        this.metrics = new CanopyMetrics(registry, settings.metricsMaxReleases(), settings.releaseTtl(), System::currentTimeMillis);
        this.http = new HttpApi(this, registry, settings.httpHost(), settings.httpPort());
        this.self = new HostInfo(advertisedHost(settings.httpHost()), http.port());
        TopicSetup.ensure(settings.clientProperties(), settings.bootstrapServers(), settings.topicPartitions(),
                settings.replicationFactor(), settings.monitor().topics().all(), settings.monitor().topics().deadLetter(),
                settings.monitor().topics().releases());
        ClusterStamp.claim(settings.stateDir(), settings.applicationId(),
                ClusterStamp.clusterId(settings.clientProperties(), settings.bootstrapServers()));
        this.streams = new KafkaStreams(CanopyTopology.build(settings.monitor(), metrics,
                        settings.monitor().semantic().enabled() ? new MiniLmEmbedder() : null),
                StaticMembership.apply(settings.streamsProperties(self.host() + ":" + self.port()), settings.stateDir(),
                        settings.applicationId()));
        streams.setStateListener((now, old) -> {
            metrics.streamsState(now.name());
            LOG.info("Kafka Streams state {} -> {}", old, now);
            if (now == KafkaStreams.State.ERROR) {
                Throwable cause = lastFailure;
                failure.complete("Kafka Streams stopped on an error" + (cause == null ? "" : ": " + ThreadFailures.describe(cause)));
            }
        });
        streams.setUncaughtExceptionHandler(e -> {
            lastFailure = e;
            if (!threadFailures.replace()) {
                LOG.error("stream thread failed {} times within {}; shutting the monitor down", ThreadFailures.LIMIT, ThreadFailures.WINDOW, e);
                return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
            }
            LOG.error("stream thread failed; replacing it", e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        this.publisher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "canopy-metrics-publisher");
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts a monitor; returns once the HTTP port is bound and Kafka Streams is starting. */
    public static MonitorApp start(MonitorSettings settings, PrometheusRegistry registry) {
        JvmMetrics.builder().register(registry);
        MonitorApp app = new MonitorApp(settings, registry);
        try {
            app.http.start();
            app.streams.start();
        } catch (RuntimeException e) {
            app.close();
            throw e;
        }
        app.publisher.scheduleWithFixedDelay(app::publishSafely, 1, 2, TimeUnit.SECONDS);
        LOG.info("monitor {} on {} reading {}; HTTP API and /metrics on http://{}:{}", settings.applicationId(),
                settings.bootstrapServers(), settings.monitor().topics().tokens(), settings.httpHost(), app.http.port());
        return app;
    }

    private static String advertisedHost(String bind) {
        if (!bind.equals("0.0.0.0") && !bind.equals("::")) {
            return bind;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "127.0.0.1";
        }
    }

    public int httpPort() {
        return http.port();
    }

    /**
     * Completes, with a one-line reason, when Kafka Streams has stopped for good on an error (state
     * ERROR): the monitor reads nothing more and its process should exit so a supervisor restarts it.
     */
    public CompletableFuture<String> failure() {
        return failure;
    }

    public KafkaStreams.State state() {
        return streams.state();
    }

    public MonitorSettings settings() {
        return settings;
    }

    public CanopyMetrics metrics() {
        return metrics;
    }

    private <V> ReadOnlyKeyValueStore<String, V> store(String name) {
        return streams.store(StoreQueryParameters.fromNameAndType(name, QueryableStoreTypes.<String, V>keyValueStore()));
    }

    /** This instance's own cumulative state (the groups of the partitions it owns). */
    public StoreReports.Partial localPartial() {
        StoreReports.Partial p = StoreReports.read(this.<byte[]>store(StoreNames.GROUPS), this.<byte[]>store(StoreNames.PENDING),
                this.<Long>store(StoreNames.REJECTIONS), settings.monitor().statistics());
        if (settings.monitor().semantic().enabled()) {
            p.semantic().putAll(StoreReports.readSemantic(this.<byte[]>store(StoreNames.SEMANTIC_PROMPTS), this.<byte[]>store(StoreNames.SEMANTIC_COUNTS)));
        }
        return p;
    }

    public byte[] localPartialBytes() {
        return Partials.encode(localPartial());
    }

    /**
     * The cumulative report over every instance of the application.
     *
     * @throws InvalidStateStoreException while stores are not queryable (starting, rebalancing)
     * @throws IOException when another instance cannot give its part in time
     */
    public Report report() throws IOException, InterruptedException {
        Merged m = merged();
        if (!m.missing().isEmpty()) {
            throw new PeerClient.UnavailableException(m.missing().get(0).reason());
        }
        return m.state().report();
    }

    /** This instance's state merged with the parts the other instances gave within the peer timeout. */
    private record Merged(StoreReports.Partial state, List<PeerClient.Missing> missing) {
    }

    private Merged merged() throws IOException, InterruptedException {
        StoreReports.Partial all = localPartial();
        PeerClient.Gathered gathered = peers.fetchAll(otherInstances(), "/api/v1/internal/partial");
        for (byte[] body : gathered.bodies().values()) {
            all.merge(Partials.decode(body));
        }
        return new Merged(all, gathered.missing());
    }

    /** The other instances of the application, each with the input partitions it holds as active tasks. */
    private List<PeerClient.Peer> otherInstances() {
        List<PeerClient.Peer> out = new ArrayList<>();
        for (StreamsMetadata m : streams.metadataForAllStreamsClients()) {
            if (!m.hostInfo().equals(self) && m.hostInfo().port() >= 0) {
                out.add(new PeerClient.Peer(m.hostInfo(), m.topicPartitions().stream()
                        .map(tp -> tp.topic() + "-" + tp.partition()).sorted().toList()));
            }
        }
        return out;
    }

    /**
     * The cumulative report as JSON, with each release's {@code semantic} block when semantic diversity
     * is on. When another instance gives no part in time, the report holds the rest and says so:
     * {@code "partial": true} and {@code "unreachable"}, each instance with the reason and its partitions.
     */
    public byte[] reportJson() throws IOException, InterruptedException {
        Merged merged = merged();
        StoreReports.Partial all = merged.state();
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        dev.canopy.core.report.ReportJson.write(all.report(), out, settings.monitor().semantic().enabled()
                ? all.semanticExtension() : dev.canopy.core.report.ReportJson.GroupExtension.NONE,
                g -> writeMissing(merged.missing(), g));
        return out.toByteArray();
    }

    /** The additive {@code partial} fields of a merged answer; nothing when every instance answered. */
    public static void writeMissing(List<PeerClient.Missing> missing, com.fasterxml.jackson.core.JsonGenerator g) throws IOException {
        if (missing.isEmpty()) {
            return;
        }
        g.writeBooleanField("partial", true);
        g.writeArrayFieldStart("unreachable");
        for (PeerClient.Missing m : missing) {
            g.writeStartObject();
            g.writeStringField("instance", m.instance());
            g.writeStringField("reason", m.reason());
            g.writeArrayFieldStart("partitions");
            for (String p : m.partitions()) {
                g.writeString(p);
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    /** The windows of one release, from whichever instance owns it; null when this instance owns it not and none does. */
    public Optional<List<WindowValue>> localWindows(GroupKey key) {
        return Optional.of(StoreReports.windows(this.<byte[]>store(StoreNames.WINDOWS), key));
    }

    /** Where a release's windows live, or empty when this instance owns them. */
    public Optional<HostInfo> windowsOwner(GroupKey key) {
        KeyQueryMetadata meta = streams.queryMetadataForKey(StoreNames.WINDOWS, StoreReports.groupKey(key), Serdes.String().serializer());
        if (meta == null || meta.activeHost() == null || meta.activeHost().equals(self) || meta.activeHost().port() < 0) {
            return Optional.empty();
        }
        return Optional.of(meta.activeHost());
    }

    /** Another instance's answer to {@code path}, within the peer timeout. */
    public byte[] fetch(HostInfo host, String path) throws IOException, InterruptedException {
        return peers.fetch(host, path);
    }

    private void publishSafely() {
        try {
            publish();
        } catch (InvalidStateStoreException e) {
            LOG.debug("stores not queryable yet: {}", e.getMessage());
        } catch (RuntimeException e) {
            LOG.warn("could not refresh the exported metrics: {}", e.toString());
        }
    }

    /** Rebuilds the exported per-release series from this instance's stores. */
    void publish() {
        if (streams.state() != KafkaStreams.State.RUNNING) {
            return;
        }
        StoreReports.Partial local = localPartial();
        Map<GroupKey, WindowValue> newest = StoreReports.newestWindows(this.<byte[]>store(StoreNames.WINDOWS));
        Map<GroupKey, ReleaseLineage.Release> lineage = lineage(local.groups());
        List<ReleaseSnapshot> releases = new ArrayList<>();
        for (Map.Entry<GroupKey, GroupAccumulator> e : local.groups().entrySet()) {
            GroupAccumulator acc = e.getValue();
            WindowValue w = newest.get(e.getKey());
            GroupMetrics rolling = w == null || w.accumulator().rollouts() == 0 ? null : GroupMetrics.of(e.getKey(), w.accumulator());
            ReleaseLineage.Release r = lineage.get(e.getKey());
            releases.add(new ReleaseSnapshot(GroupMetrics.of(e.getKey(), acc), rolling, r == null ? "" : r.baseline(),
                    r == null ? 0 : r.deployedAt(), acc.lastSeen(), local.semantic().get(e.getKey())));
        }
        metrics.publish(releases);
        metrics.publishShifts(localShifts());
    }

    /** The shift detector's latest verdicts held by this instance. */
    public List<ShiftVerdict> localShifts() {
        List<ShiftVerdict> out = new ArrayList<>();
        try (var it = this.<byte[]>store(StoreNames.SHIFT_RESULTS).all()) {
            while (it.hasNext()) {
                try {
                    out.add(ShiftVerdict.parse(it.next().value));
                } catch (IllegalArgumentException unreadable) {
                    // only the shift processor writes this store; a value it cannot have written is skipped
                }
            }
        }
        return out;
    }

    /** Verdicts of every instance that answered within the peer timeout (raw JSON objects), and those that did not. */
    public record Shifts(List<byte[]> verdicts, List<PeerClient.Missing> missing) {
    }

    /** Verdicts of every instance, raw JSON objects. */
    public Shifts allShiftsJson() throws IOException, InterruptedException {
        List<byte[]> out = new ArrayList<>();
        try (var it = this.<byte[]>store(StoreNames.SHIFT_RESULTS).all()) {
            while (it.hasNext()) {
                out.add(it.next().value);
            }
        }
        PeerClient.Gathered gathered = peers.fetchAll(otherInstances(), "/api/v1/internal/shifts");
        for (byte[] body : gathered.bodies().values()) {
            for (String line : new String(body, java.nio.charset.StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank()) {
                    out.add(line.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                }
            }
        }
        return new Shifts(out, gathered.missing());
    }

    /** This instance's verdicts as JSON lines (for the other instances). */
    public byte[] localShiftsJsonLines() {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (var it = this.<byte[]>store(StoreNames.SHIFT_RESULTS).all()) {
            while (it.hasNext()) {
                out.writeBytes(it.next().value);
                out.write('\n');
            }
        }
        return out.toByteArray();
    }

    /**
     * The merged state of every instance, with each release's deployment time and baseline (the web page's
     * overview), and the instances that gave no part in time (empty when the overview is complete).
     */
    public record Overview(StoreReports.Partial state, Map<GroupKey, ReleaseLineage.Release> lineage, List<PeerClient.Missing> missing) {
    }

    /**
     * The cumulative state over every instance and each release's lineage.
     *
     * @throws InvalidStateStoreException while stores are not queryable (starting, rebalancing)
     * @throws IOException when another instance cannot be reached
     */
    public Overview overview() throws IOException, InterruptedException {
        Merged all = merged();
        return new Overview(all.state(), lineage(all.state().groups()), all.missing());
    }

    /** Each release's baseline and deployment time, by the detector's rule (announcements first). */
    Map<GroupKey, ReleaseLineage.Release> lineage(Map<GroupKey, GroupAccumulator> groups) {
        ReadOnlyKeyValueStore<String, byte[]> announced;
        try {
            announced = this.<byte[]>store(StoreNames.RELEASES);
        } catch (InvalidStateStoreException e) {
            announced = null;
        }
        Map<String, Map<String, Long>> byModel = new TreeMap<>();
        groups.forEach((k, v) -> byModel.computeIfAbsent(k.model(), m -> new HashMap<>())
                .put(k.release(), v.firstSeen() == Long.MAX_VALUE ? 0 : v.firstSeen()));
        Map<GroupKey, ReleaseLineage.Release> out = new HashMap<>();
        ReadOnlyKeyValueStore<String, byte[]> store = announced;
        byModel.forEach((model, releases) -> {
            for (ReleaseLineage.Release r : ReleaseLineage.order(releases,
                    release -> store == null ? null : ReleaseRecord.lookup(store::get, model, release))) {
                out.put(new GroupKey(model, r.release()), r);
            }
        });
        return out;
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        publisher.shutdownNow();
        // leave the group so the other instances take over this one's partitions at once, not after the session timeout
        streams.close(org.apache.kafka.streams.CloseOptions.groupMembershipOperation(
                org.apache.kafka.streams.CloseOptions.GroupMembershipOperation.LEAVE_GROUP).withTimeout(Duration.ofSeconds(10)));
        http.stop();
        LOG.info("monitor stopped");
    }
}
