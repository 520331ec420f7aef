package dev.canopy.monitor.metrics;

import dev.canopy.core.stats.GroupKey;
import dev.canopy.core.stats.GroupMetrics;
import dev.canopy.monitor.query.LocalStores;
import dev.canopy.semantic.SemanticCodec;
import dev.canopy.topology.ReleaseLineage;
import dev.canopy.topology.ReleaseMetrics;
import dev.canopy.topology.ShiftVerdict;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Refreshes the exported per-release series from this instance's stores every few seconds, while Kafka
 * Streams runs. Each instance exports only the releases of the partitions it owns; Prometheus sums them.
 */
public final class MetricsPublisher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MetricsPublisher.class);
    private static final long FIRST_DELAY_SECONDS = 1;
    private static final long PERIOD_SECONDS = 2;

    private final LocalStores stores;
    private final CanopyMetrics metrics;
    private final BooleanSupplier running;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "canopy-metrics-publisher");
        t.setDaemon(true);
        return t;
    });

    /** @param running whether the stores can be read now (Kafka Streams RUNNING) */
    public MetricsPublisher(LocalStores stores, CanopyMetrics metrics, BooleanSupplier running) {
        this.stores = stores;
        this.metrics = metrics;
        this.running = running;
    }

    public void start() {
        timer.scheduleWithFixedDelay(this::publishSafely, FIRST_DELAY_SECONDS, PERIOD_SECONDS, TimeUnit.SECONDS);
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

    /**
     * Rebuilds the exported per-release series from the metrics the aggregate last emitted (at most one emit,
     * a few seconds, old): computing them again here from the accumulators cost as much CPU as the aggregate's
     * own emits once the releases held thousands of pairs.
     */
    void publish() {
        if (!running.getAsBoolean()) {
            return;
        }
        Map<GroupKey, ReleaseMetrics> local = stores.releaseMetrics();
        Map<GroupKey, SemanticCodec.Result> semantic = stores.semantic();
        Map<GroupKey, Long> firstSeen = new HashMap<>();
        local.forEach((k, v) -> firstSeen.put(k, v.firstSeen()));
        Map<GroupKey, ReleaseLineage.Release> lineage = stores.lineage(firstSeen);
        List<ReleaseSnapshot> releases = new ArrayList<>();
        for (Map.Entry<GroupKey, ReleaseMetrics> e : local.entrySet()) {
            ReleaseMetrics m = e.getValue();
            GroupMetrics rolling = m.newest() == null || m.newest().metrics().rollouts() == 0 ? null : m.newest().metrics();
            ReleaseLineage.Release r = lineage.get(e.getKey());
            releases.add(new ReleaseSnapshot(m.cumulative(), rolling, r == null ? "" : r.baseline(),
                    r == null ? 0 : r.deployedAt(), m.lastSeen(), semantic.get(e.getKey())));
        }
        metrics.publish(releases);
        metrics.publishShifts(verdicts());
    }

    /** The shift detector's latest verdicts held by this instance. */
    private List<ShiftVerdict> verdicts() {
        List<ShiftVerdict> out = new ArrayList<>();
        for (byte[] value : stores.shifts()) {
            try {
                out.add(ShiftVerdict.parse(value));
            } catch (IllegalArgumentException unreadable) {
                // only the shift processor writes this store; a value it cannot have written is skipped
            }
        }
        return out;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
