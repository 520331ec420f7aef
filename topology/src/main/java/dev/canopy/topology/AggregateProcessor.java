package dev.canopy.topology;

import dev.canopy.core.assembly.CompletedRollout;
import dev.canopy.core.stats.GroupAccumulator;
import dev.canopy.core.stats.GroupKey;
import dev.canopy.core.stats.GroupMetrics;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.LongSupplier;


/**
 * Aggregates completed rollouts per model and release: the cumulative {@link GroupAccumulator} in
 * {@link StoreNames#GROUPS}, and one accumulator per time slice (width = the window advance) in
 * {@link StoreNames#SLICES}. A rolling window is the merge of its slices, which is exact because the
 * accumulators are mergeable; so each rollout updates two accumulators however many windows overlap.
 *
 * <p>Cost: an accumulator can hold thousands of (N, r) pairs, so it is not re-serialized per rollout.
 * The live accumulators are kept as objects; each rollout is written, small, to {@link StoreNames#PENDING}
 * under an increasing sequence number, and every {@link #FOLD_INTERVAL_MS} the changed accumulators are
 * written with the sequence they include and the folded pending rollouts deleted. All of it goes through
 * changelogged stores in the same transactions, so a crash loses nothing and counts nothing twice:
 * a restarted task rebuilds its objects from the stored accumulators plus the pending rollouts newer
 * than them, and so does the report ({@link StoreReports}).
 *
 * <p>A punctuator emits to the metrics topic: the cumulative metrics of every group that changed, the
 * provisional newest window, and each window that closed (its end is more than the grace period
 * behind the newest completion time). Closed windows are kept in {@link StoreNames#WINDOWS} for the API, the
 * provisional one in {@link StoreNames#PROVISIONAL_WINDOWS}, and the metrics just computed in
 * {@link StoreNames#RELEASE_METRICS} for the exported series: the metrics (Spearman and Kendall over every
 * prompt's pair sample) are the costly part of an emit, so they are computed once here, not again by readers.
 * Time is rollout completion time (event time), tracked per task as the largest seen.
 */
final class AggregateProcessor implements Processor<String, CompletedRollout, String, byte[]> {

    /** The time slot under which older versions kept a group's provisional window in {@link StoreNames#WINDOWS}. */
    static final long PROVISIONAL = -1L;
    /**
     * How often the live cumulative and slice accumulators are written to their stores. Each write is a whole
     * accumulator, up to megabytes for a long-running release, so writing at every emit (every few seconds)
     * made those rewrites a large part of the changelog traffic; between writes the pending rollouts keep the
     * state recoverable, and a restart replays at most this much of them. The provisional window the API
     * serves is written at every emit, so that it is never more than one emit old, to a store that is not
     * changelogged.
     */
    static final long FOLD_INTERVAL_MS = 30_000;
    /**
     * The largest share of the stream thread's time the emits may take. An emit computes every changed
     * release's metrics (Spearman and Kendall over every prompt's pair sample, for the cumulative state and the
     * windows), which grows with the kept pairs: up to {@code canopy.max.prompts} x {@code canopy.pair.capacity}
     * per release. After an emit that took t, the next waits at least t x (1 / budget - 1), so a monitor with
     * large releases emits less often instead of reading more slowly; the pending changes are all in the next
     * emit. Folds keep their own schedule (they bound what a restart replays).
     */
    static final double EMIT_BUDGET = 0.1;

    private final MonitorConfig config;
    private final TopologyObserver observer;
    private ProcessorContext<String, byte[]> context;
    private RawInputRecords rawInput;
    private KeyValueStore<String, byte[]> groups;
    private KeyValueStore<String, byte[]> pending;
    private KeyValueStore<String, byte[]> slices;
    private KeyValueStore<String, byte[]> windows;
    private KeyValueStore<String, byte[]> provisional;
    private KeyValueStore<String, byte[]> releaseMetrics;
    /** Whether the first emit has cleared the provisional windows older versions kept in {@link StoreNames#WINDOWS}. */
    private boolean legacyDropped;
    private final Map<String, GroupAccumulator> cache = new HashMap<>();
    private final Map<String, GroupAccumulator> sliceCache = new HashMap<>();
    private final Set<String> dirtyGroups = new HashSet<>();
    private final Set<String> dirtySlices = new HashSet<>();
    private final List<String> folded = new ArrayList<>();
    private long sequence;
    private final Set<String> changed = new HashSet<>();
    private final Map<String, Long> lastClosed = new HashMap<>();
    private long streamTime = Long.MIN_VALUE;
    private long lateRollouts;
    private long lastFold = Long.MIN_VALUE;
    private long nextEmit = Long.MIN_VALUE;
    private final LongSupplier nanoTime;

    AggregateProcessor(MonitorConfig config, TopologyObserver observer) {
        this(config, observer, System::nanoTime);
    }

    /** @param nanoTime the clock that times the emits, for {@link #EMIT_BUDGET} */
    AggregateProcessor(MonitorConfig config, TopologyObserver observer, LongSupplier nanoTime) {
        this.config = config;
        this.observer = observer;
        this.nanoTime = nanoTime;
    }

    @Override
    public void init(ProcessorContext<String, byte[]> context) {
        this.context = context;
        this.rawInput = RawInputRecords.of(context.appConfigs());
        this.groups = context.getStateStore(StoreNames.GROUPS);
        this.pending = context.getStateStore(StoreNames.PENDING);
        this.slices = context.getStateStore(StoreNames.SLICES);
        this.windows = context.getStateStore(StoreNames.WINDOWS);
        this.provisional = context.getStateStore(StoreNames.PROVISIONAL_WINDOWS);
        this.releaseMetrics = context.getStateStore(StoreNames.RELEASE_METRICS);
        Map<String, Long> foldedThrough = new HashMap<>();
        try (KeyValueIterator<String, byte[]> it = groups.all()) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> kv = it.next();
                StoredGroup stored = StoredGroup.decode(kv.value);
                cache.put(kv.key, stored.accumulator());
                foldedThrough.put(kv.key, stored.foldedThrough());
                sequence = Math.max(sequence, stored.foldedThrough());
                if (stored.accumulator().rollouts() > 0) {
                    streamTime = Math.max(streamTime, stored.accumulator().lastSeen());
                }
                changed.add(kv.key);
            }
        }
        // rollouts that arrived after the last fold: add them to the live objects again
        try (KeyValueIterator<String, byte[]> it = pending.all()) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> kv = it.next();
                String group = GroupKeys.group(kv.key);
                long seq = GroupKeys.time(kv.key);
                sequence = Math.max(sequence, seq);
                folded.add(kv.key);
                if (seq > foldedThrough.getOrDefault(group, 0L)) {
                    apply(group, RolloutSerde.fromBytes(kv.value), false);
                }
            }
        }
        publishAll();
        long period = Math.min(config.windowAdvance().toMillis(), 5_000);
        context.schedule(Duration.ofMillis(period), PunctuationType.WALL_CLOCK_TIME, this::emit);
    }

    @Override
    public void process(Record<String, CompletedRollout> record) {
        rawInput.release(context);
        String group = record.key();
        CompletedRollout r = record.value();
        String key = GroupKeys.timed(group, ++sequence);
        pending.put(key, RolloutSerde.toBytes(r));
        folded.add(key);
        apply(group, r, true);
    }

    /** Adds a rollout to the live cumulative and slice accumulators. */
    private void apply(String group, CompletedRollout r, boolean live) {
        GroupAccumulator acc = cumulative(group);
        acc.add(r);
        dirtyGroups.add(group);
        changed.add(group);
        if (r.abandoned()) {
            return;
        }
        if (live) {
            observer.rolloutMeasured(r.model(), r.release(), Math.max(0, context.currentSystemTimeMs() - r.completedAt()));
        }
        streamTime = Math.max(streamTime, r.completedAt());
        long advance = config.windowAdvance().toMillis();
        long sliceStart = Math.floorDiv(r.completedAt(), advance) * advance;
        if (sliceStart < closedEnd() + advance - config.windowSize().toMillis()) {
            // every window this rollout belongs to has closed already
            lateRollouts++;
            return;
        }
        String key = GroupKeys.timed(group, sliceStart);
        GroupAccumulator slice = sliceCache.get(key);
        if (slice == null) {
            byte[] old = slices.get(key);
            slice = old == null ? newAccumulator() : GroupAccumulator.fromBytes(old);
            sliceCache.put(key, slice);
        }
        slice.add(r);
        dirtySlices.add(key);
    }

    private GroupAccumulator cumulative(String group) {
        GroupAccumulator acc = cache.get(group);
        if (acc == null) {
            byte[] b = groups.get(group);
            acc = b == null ? newAccumulator() : StoredGroup.decode(b).accumulator();
            cache.put(group, acc);
        }
        return acc;
    }

    /** Writes the changed accumulators (with the sequence they include) and drops the folded pending rollouts. */
    private void fold() {
        for (String group : dirtyGroups) {
            groups.put(group, new StoredGroup(sequence, cache.get(group)).encode());
        }
        for (String key : dirtySlices) {
            slices.put(key, sliceCache.get(key).toBytes());
        }
        folded.forEach(pending::delete);
        dirtyGroups.clear();
        dirtySlices.clear();
        folded.clear();
    }

    private GroupAccumulator newAccumulator() {
        return new GroupAccumulator(config.statistics().pairCapacity(), config.statistics().maxPrompts());
    }

    /** End of the newest closed window: the grace period behind stream time, on an advance boundary. */
    private long closedEnd() {
        if (streamTime == Long.MIN_VALUE) {
            return Long.MIN_VALUE / 2;
        }
        long advance = config.windowAdvance().toMillis();
        return Math.floorDiv(streamTime - config.windowGrace().toMillis(), advance) * advance;
    }

    private long openEnd() {
        long advance = config.windowAdvance().toMillis();
        return (Math.floorDiv(streamTime, advance) + 1) * advance;
    }

    void emit(long now) {
        if (lastFold == Long.MIN_VALUE || now - lastFold >= FOLD_INTERVAL_MS) {
            fold();
            lastFold = now;
        }
        if (now < nextEmit) {
            return;
        }
        long started = nanoTime.getAsLong();
        dropLegacyProvisionals();
        List<String> dirty = new ArrayList<>(changed);
        changed.clear();
        for (String group : dirty) {
            GroupKey key = GroupKeys.parse(group);
            GroupAccumulator acc = cumulative(group);
            GroupMetrics cumulative = GroupMetrics.of(key, acc);
            forward(key, MetricsRecord.json(cumulative, "cumulative", Long.MIN_VALUE, Long.MIN_VALUE, false, now), now);
            ReleaseMetrics.Window newest = newestEmitted(group);
            if (streamTime != Long.MIN_VALUE) {
                long size = config.windowSize().toMillis();
                long advance = config.windowAdvance().toMillis();
                long closed = closedEnd();
                long from = Math.max(lastClosed.getOrDefault(group, closed - advance) + advance, closed - size);
                for (long end = from; end <= closed; end += advance) {
                    GroupAccumulator w = window(group, end);
                    if (w.rollouts() > 0) {
                        windows.put(GroupKeys.timed(group, end), new WindowValue(end - size, end, true, w).toBytes());
                        GroupMetrics m = GroupMetrics.of(key, w);
                        forward(key, MetricsRecord.json(m, "window", end - size, end, true, now), now);
                        newest = ReleaseMetrics.Window.newer(newest, new ReleaseMetrics.Window(end - size, end, true, m));
                    }
                }
                lastClosed.put(group, closed);
                ReleaseMetrics.Window open = writeProvisional(group, key);
                if (open != null) {
                    forward(key, MetricsRecord.json(open.metrics(), "window", open.start(), open.end(), false, now), now);
                    newest = ReleaseMetrics.Window.newer(newest, open);
                }
                purge(group, closed);
            }
            keep(group, acc, cumulative, newest);
        }
        long took = nanoTime.getAsLong() - started;
        observer.metricsEmitted(took / 1e9);
        nextEmit = nextEmit(now, took / 1_000_000);
    }

    /** When an emit that started at {@code now} and took {@code tookMs} lets the next one start. */
    static long nextEmit(long now, long tookMs) {
        return now + (long) (tookMs * (1 / EMIT_BUDGET - 1));
    }

    /**
     * Writes the group's provisional window (the open one, with the rollouts so far) for the API and returns it,
     * or deletes it and returns null when the open window has no rollouts.
     */
    private ReleaseMetrics.Window writeProvisional(String group, GroupKey key) {
        long size = config.windowSize().toMillis();
        long open = openEnd();
        GroupAccumulator w = window(group, open);
        if (w.rollouts() == 0) {
            provisional.delete(group);
            return null;
        }
        provisional.put(group, new WindowValue(open - size, open, false, w).toBytes());
        return new ReleaseMetrics.Window(open - size, open, false, GroupMetrics.of(key, w));
    }

    /** The newest window the last emit (or the task's start) recorded for a group, or null. */
    private ReleaseMetrics.Window newestEmitted(String group) {
        byte[] last = releaseMetrics.get(group);
        return last == null ? null : ReleaseMetrics.fromBytes(last).newest();
    }

    /** Keeps what was just computed for a group's readers: the exported series and the next emit. */
    private void keep(String group, GroupAccumulator acc, GroupMetrics cumulative, ReleaseMetrics.Window newest) {
        releaseMetrics.put(group, new ReleaseMetrics(acc.firstSeen(), acc.lastSeen(), cumulative, newest).toBytes());
    }

    /**
     * Versions before {@link StoreNames#PROVISIONAL_WINDOWS} kept the provisional window in {@link StoreNames#WINDOWS}
     * under the time slot {@link #PROVISIONAL}: a task's first emit deletes those of the groups it restored (readers
     * skip them meanwhile). Not in {@link #init}, which has no record context to write a changelog with.
     */
    private void dropLegacyProvisionals() {
        if (legacyDropped) {
            return;
        }
        legacyDropped = true;
        for (String group : cache.keySet()) {
            String legacy = GroupKeys.timed(group, PROVISIONAL);
            if (windows.get(legacy) != null) {
                windows.delete(legacy);
            }
        }
    }

    /**
     * The metrics of every release this task holds, computed when it starts (so the exported series and the
     * API's provisional windows have no gap after a restart or a move; the in-memory stores start empty): the
     * cumulative metrics and the newest of the kept closed window and the provisional one.
     */
    private void publishAll() {
        for (Map.Entry<String, GroupAccumulator> e : cache.entrySet()) {
            String group = e.getKey();
            GroupKey key = GroupKeys.parse(group);
            ReleaseMetrics.Window newest = null;
            try (KeyValueIterator<String, byte[]> it = windows.reverseRange(GroupKeys.timed(group, 0), GroupKeys.timed(group, Long.MAX_VALUE))) {
                if (it.hasNext()) {
                    WindowValue w = WindowValue.fromBytes(it.next().value);
                    newest = new ReleaseMetrics.Window(w.start(), w.end(), true, GroupMetrics.of(key, w.accumulator()));
                }
            }
            if (streamTime != Long.MIN_VALUE) {
                ReleaseMetrics.Window open = writeProvisional(group, key);
                if (open != null) {
                    newest = ReleaseMetrics.Window.newer(newest, open);
                }
            }
            GroupAccumulator acc = e.getValue();
            keep(group, acc, GroupMetrics.of(key, acc), newest);
        }
    }

    /**
     * The merge of a group's slices in [end - size, end), in slice order: the live slice objects where there
     * are some (they hold rollouts not yet written), the stored ones elsewhere.
     */
    private GroupAccumulator window(String group, long end) {
        long start = end - config.windowSize().toMillis();
        String from = GroupKeys.timed(group, Math.max(start, 0));
        String to = GroupKeys.timed(group, Math.max(end - 1, 0));
        TreeMap<String, GroupAccumulator> parts = new TreeMap<>();
        for (Map.Entry<String, GroupAccumulator> e : sliceCache.entrySet()) {
            if (e.getKey().compareTo(from) >= 0 && e.getKey().compareTo(to) <= 0) {
                parts.put(e.getKey(), e.getValue());
            }
        }
        try (KeyValueIterator<String, byte[]> it = slices.range(from, to)) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> kv = it.next();
                parts.computeIfAbsent(kv.key, k -> GroupAccumulator.fromBytes(kv.value));
            }
        }
        GroupAccumulator w = newAccumulator();
        parts.values().forEach(w::merge);
        return w;
    }

    private void purge(String group, long closed) {
        long keepSlicesFrom = closed - config.windowSize().toMillis();
        deleteBefore(slices, group, keepSlicesFrom);
        sliceCache.keySet().removeIf(k -> GroupKeys.group(k).equals(group) && GroupKeys.time(k) < keepSlicesFrom);
        dirtySlices.removeIf(k -> GroupKeys.group(k).equals(group) && GroupKeys.time(k) < keepSlicesFrom);
        deleteBefore(windows, group, closed - (long) config.windowsKept() * config.windowAdvance().toMillis());
    }

    private static void deleteBefore(KeyValueStore<String, byte[]> store, String group, long time) {
        if (time <= 0) {
            return;
        }
        List<String> old = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = store.range(GroupKeys.timed(group, 0), GroupKeys.timed(group, time - 1))) {
            while (it.hasNext()) {
                old.add(it.next().key);
            }
        }
        old.forEach(store::delete);
    }

    private void forward(GroupKey key, byte[] json, long now) {
        context.forward(new Record<>(key.toString(), json, now));
    }

    long lateRollouts() {
        return lateRollouts;
    }
}
