package dev.canopy.monitor.metrics;

import dev.canopy.core.stats.GroupAccumulator;
import dev.canopy.core.stats.GroupKey;
import dev.canopy.core.stats.GroupMetrics;
import dev.canopy.monitor.query.LocalStores;
import dev.canopy.topology.ReleaseLineage;
import dev.canopy.topology.ShiftVerdict;
import dev.canopy.topology.StoreReports;
import dev.canopy.topology.WindowValue;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
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

    /** Rebuilds the exported per-release series from this instance's stores. */
    void publish() {
        if (!running.getAsBoolean()) {
            return;
        }
        StoreReports.Partial local = stores.partial();
        Map<GroupKey, WindowValue> newest = stores.newestWindows(local.groups().keySet());
        Map<GroupKey, ReleaseLineage.Release> lineage = stores.lineage(local.groups());
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
