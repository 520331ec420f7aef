package dev.canopy.topology;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.canopy.core.report.ReportJson;
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

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Per model (input re-partitioned by model, so all its releases meet in one task): keeps
 * {@link ShiftStats} per release and, every few seconds for models that changed, compares the
 * model's current release with its baseline using {@link ShiftDetector}. A verdict that changes (for
 * example from insufficient data to no evidence, or to a shift) is published to the alerts topic and
 * kept in {@link Stores#SHIFT_RESULTS}; a release seen for the first time without an announcement is
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

    private static final JsonFactory JSON = new JsonFactory();

    private final MonitorConfig config;
    private ProcessorContext<String, Output> context;
    private KeyValueStore<String, byte[]> stats;
    private KeyValueStore<String, byte[]> results;
    private KeyValueStore<String, byte[]> releases;
    private final Set<String> dirty = new HashSet<>();
    private final Set<String> inferred = new HashSet<>();

    ShiftProcessor(MonitorConfig config) {
        this.config = config;
    }

    @Override
    public void init(ProcessorContext<String, Output> context) {
        this.context = context;
        this.stats = context.getStateStore(Stores.SHIFT_STATS);
        this.results = context.getStateStore(Stores.SHIFT_RESULTS);
        this.releases = context.getStateStore(Stores.RELEASES);
        context.schedule(Duration.ofSeconds(5), PunctuationType.WALL_CLOCK_TIME, this::evaluate);
    }

    @Override
    public void process(Record<String, CompletedRollout> record) {
        CompletedRollout r = record.value();
        if (r.abandoned()) {
            return;
        }
        String key = GroupKeys.of(r.model(), r.release());
        byte[] old = stats.get(key);
        ShiftStats s = old == null ? new ShiftStats(config.statistics().maxPrompts()) : ShiftStats.fromBytes(old);
        s.add(r);
        stats.put(key, s.toBytes());
        dirty.add(r.model());
        if (old == null && releases.get(r.model() + "@" + r.release()) == null && inferred.add(key)) {
            ReleaseRecord rec = new ReleaseRecord(r.model(), r.release(), r.completedAt(), null, "inferred");
            context.forward(new Record<>(rec.key(), new Output(true, rec.toJson()), record.timestamp()));
        }
    }

    /** A release of the model under evaluation. */
    private record Known(String release, long deployedAt, String announcedBaseline, ShiftStats stats) {
    }

    void evaluate(long now) {
        List<String> models = new ArrayList<>(dirty);
        dirty.clear();
        for (String model : models) {
            List<Known> known = new ArrayList<>();
            String prefix = model + GroupKeys.SEP;
            try (KeyValueIterator<String, byte[]> it = stats.range(prefix, prefix + '\uffff')) {
                while (it.hasNext()) {
                    KeyValue<String, byte[]> kv = it.next();
                    String release = GroupKeys.parse(kv.key).release();
                    ShiftStats s = ShiftStats.fromBytes(kv.value);
                    ReleaseRecord announced = ReleaseRecord.parse(releases.get(model + "@" + release));
                    long deployed = announced != null && announced.announced() && announced.deployedAt() >= 0 ? announced.deployedAt() : s.firstSeen();
                    known.add(new Known(release, deployed, announced == null ? null : announced.baselineRelease(), s));
                }
            }
            if (known.size() < 2) {
                continue;
            }
            known.sort(Comparator.comparingLong(Known::deployedAt).thenComparing(Known::release));
            Known candidate = known.get(known.size() - 1);
            Known baseline = known.get(known.size() - 2);
            if (candidate.announcedBaseline() != null) {
                baseline = known.stream().filter(k -> k.release().equals(candidate.announcedBaseline())).findFirst().orElse(null);
                if (baseline == null) {
                    continue; // the announced baseline has no rollouts here (yet)
                }
            }
            for (ShiftDetector.Result result : ShiftDetector.compare(baseline.stats(), candidate.stats(), config.shift())) {
                String resultKey = GroupKeys.of(model, candidate.release()) + GroupKeys.SEP + result.metric().code();
                byte[] json = alertJson(model, baseline.release(), candidate.release(), result, now);
                byte[] previous = results.get(resultKey);
                boolean changed = previous == null || !statusOf(previous).equals(statusLine(baseline.release(), result));
                results.put(resultKey, json);
                if (changed) {
                    context.forward(new Record<>(model + "@" + candidate.release(), new Output(false, json), now));
                }
            }
        }
    }

    private static String statusLine(String baseline, ShiftDetector.Result r) {
        return baseline + "|" + r.status().code() + "|" + r.direction();
    }

    private static String statusOf(byte[] json) {
        ShiftVerdict v = ShiftVerdict.parse(json);
        return v == null ? "" : v.baseline() + "|" + v.status() + "|" + v.direction();
    }

    static byte[] alertJson(String model, String baseline, String candidate, ShiftDetector.Result r, long now) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("model", model);
            g.writeStringField("baseline", baseline);
            g.writeStringField("candidate", candidate);
            g.writeStringField("metric", r.metric().code());
            g.writeStringField("status", r.status().code());
            if (r.direction() == null) {
                g.writeNullField("direction");
            } else {
                g.writeStringField("direction", r.direction());
            }
            ReportJson.number(g, "effect", r.effect());
            ReportJson.number(g, "ci_low", r.low());
            ReportJson.number(g, "ci_high", r.high());
            ReportJson.number(g, "baseline_value", r.baseline());
            ReportJson.number(g, "candidate_value", r.candidate());
            g.writeObjectFieldStart("evidence");
            g.writeNumberField("baseline_rollouts", r.baselineSize());
            g.writeNumberField("candidate_rollouts", r.candidateSize());
            g.writeNumberField("alpha", r.alpha());
            g.writeStringField("method", "asymptotic confidence sequences, Bonferroni over metrics and releases");
            g.writeEndObject();
            g.writeNumberField("time", now);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

}
