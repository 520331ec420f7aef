package dev.canopy.topology;

import dev.canopy.core.assembly.CompletedRollout;
import dev.canopy.core.shift.ShiftDetector;
import dev.canopy.core.shift.ShiftStats;
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
import java.util.Map;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Per model (input re-partitioned by model, so all its releases meet in one task): keeps
 * {@link ShiftStats} per release and, every few seconds for models that changed, compares the
 * model's current release with its baseline using {@link ShiftDetector}. A verdict that changes (for
 * example from insufficient data to no evidence, or to a shift) is published to the alerts topic and
 * kept in {@link StoreNames#SHIFT_RESULTS}; a release seen for the first time without an announcement is
 * published to the releases topic as inferred.
 *
 * <p>Current release: the one deployed last (its announced {@code deployed_at}, else its first
 * completed rollout). Baseline: the announced baseline of the current release, else the release of
 * the same model deployed just before it.
 */
final class ShiftProcessor implements Processor<String, CompletedRollout, String, ShiftProcessor.Output> {

    /** What this processor publishes: to the releases topic or to the alerts topic. */
    record Output(boolean release, byte[] json) {
    }


    private final MonitorConfig config;
    private ProcessorContext<String, Output> context;
    private RawInputRecords rawInput;
    private WriteBackStore<ShiftStats> stats;
    private KeyValueStore<String, byte[]> results;
    private KeyValueStore<String, byte[]> releases;
    private final Set<String> dirty = new HashSet<>();
    /** Live statistics of this task's releases (the store stays authoritative; this saves a decode per rollout). */
    private final Map<String, ShiftStats> live = new HashMap<>();
    private final Set<String> inferred = new HashSet<>();

    ShiftProcessor(MonitorConfig config) {
        this.config = config;
    }

    @Override
    public void init(ProcessorContext<String, Output> context) {
        this.context = context;
        this.rawInput = RawInputRecords.of(context.appConfigs());
        this.stats = context.getStateStore(StoreNames.SHIFT_STATS);
        this.results = context.getStateStore(StoreNames.SHIFT_RESULTS);
        this.releases = context.getStateStore(StoreNames.RELEASES);
        context.schedule(Duration.ofSeconds(5), PunctuationType.WALL_CLOCK_TIME, this::evaluate);
    }

    @Override
    public void process(Record<String, CompletedRollout> record) {
        rawInput.release(context);
        CompletedRollout r = record.value();
        if (r.abandoned()) {
            return;
        }
        String key = GroupKeys.of(r.model(), r.release());
        ShiftStats s = live.get(key);
        boolean first = false;
        if (s == null) {
            s = stats.get(key);
            first = s == null;
            if (first) {
                s = new ShiftStats(config.statistics().maxPrompts());
            }
            live.put(key, s);
        }
        s.add(r);
        stats.put(key, s); // encoded once per commit, not per rollout
        dirty.add(r.model());
        // any record under the key, even another release's (names with '@' can share a key), keeps the
        // monitor from writing: an inferred record must never replace an announced one on the compacted topic
        if (first && releases.get(r.model() + "@" + r.release()) == null && inferred.add(key)) {
            ReleaseRecord rec = new ReleaseRecord(r.model(), r.release(), r.completedAt(), null, "inferred");
            context.forward(new Record<>(rec.key(), new Output(true, rec.toJson()), record.timestamp()));
        }
    }

    void evaluate(long now) {
        List<String> models = new ArrayList<>(dirty);
        dirty.clear();
        for (String model : models) {
            Map<String, ShiftStats> byRelease = new HashMap<>();
            Map<String, Long> firstSeen = new HashMap<>();
            String prefix = model + GroupKeys.SEP;
            try (KeyValueIterator<String, byte[]> it = stats.range(prefix, prefix + '\uffff')) {
                while (it.hasNext()) {
                    KeyValue<String, byte[]> kv = it.next();
                    String release = GroupKeys.parse(kv.key).release();
                    ShiftStats s = live.computeIfAbsent(kv.key, k -> ShiftStats.fromBytes(kv.value));
                    byRelease.put(release, s);
                    firstSeen.put(release, s.firstSeen());
                }
            }
            if (byRelease.size() < 2) {
                continue;
            }
            List<ReleaseLineage.Release> lineage = ReleaseLineage.order(firstSeen,
                    release -> ReleaseRecord.lookup(releases::get, model, release));
            ReleaseLineage.Release candidate = lineage.get(lineage.size() - 1);
            ShiftStats baselineStats = byRelease.get(candidate.baseline());
            if (baselineStats == null) {
                continue; // the announced baseline has no rollouts here (yet)
            }
            record Side(String release, ShiftStats stats) {
            }
            Side baseline = new Side(candidate.baseline(), baselineStats);
            Side cand = new Side(candidate.release(), byRelease.get(candidate.release()));
            retireOtherVerdicts(model, cand.release());
            for (ShiftDetector.Result result : ShiftDetector.compare(baseline.stats(), cand.stats(), config.shift())) {
                String resultKey = GroupKeys.of(model, cand.release()) + GroupKeys.SEP + result.metric().code();
                byte[] json = ShiftVerdict.toJson(model, baseline.release(), cand.release(), result, now,
                        baseline.stats().rollouts(), cand.stats().rollouts());
                byte[] previous = results.get(resultKey);
                boolean changed = previous == null || !statusOf(previous).equals(statusLine(baseline.release(), result));
                results.put(resultKey, json);
                if (changed) {
                    context.forward(new Record<>(model + "@" + cand.release(), new Output(false, json), now));
                }
            }
        }
    }

    /** Verdicts about earlier candidates of the model no longer apply once a newer release is the candidate. */
    private void retireOtherVerdicts(String model, String candidate) {
        String prefix = model + GroupKeys.SEP;
        String keep = GroupKeys.of(model, candidate) + GroupKeys.SEP;
        List<String> stale = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = results.range(prefix, prefix + '\uffff')) {
            while (it.hasNext()) {
                String key = it.next().key;
                if (!key.startsWith(keep)) {
                    stale.add(key);
                }
            }
        }
        stale.forEach(results::delete);
    }

    private static String statusLine(String baseline, ShiftDetector.Result r) {
        return baseline + "|" + r.status().code() + "|" + r.direction();
    }

    private static String statusOf(byte[] json) {
        try {
            ShiftVerdict v = ShiftVerdict.parse(json);
            return v.baseline() + "|" + v.status() + "|" + v.direction();
        } catch (IllegalArgumentException unreadable) {
            return ""; // treated as no earlier verdict: the new one replaces it
        }
    }
}
