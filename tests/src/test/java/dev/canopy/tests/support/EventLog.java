package dev.canopy.tests.support;

import dev.canopy.core.assembly.RolloutAssembler;
import dev.canopy.core.events.EventParser;
import dev.canopy.core.events.ParseResult;
import dev.canopy.core.replay.ReplayEngine;
import dev.canopy.core.report.Report;
import dev.canopy.core.report.ReportJson;
import dev.canopy.simulator.SimulatedFleet;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An ordered list of Kafka records (key, value) that a test produces, with the reference result: the
 * {@link ReplayEngine} run over the same values in the same order, which is what {@code canopy replay}
 * prints and what the streaming report must equal.
 */
public final class EventLog {

    /**
     * One record; a null key is a record without key. {@code partition} pins the record to a partition
     * of the input topic; null lets the producer's partitioner choose.
     */
    public record Event(byte[] key, byte[] value, Integer partition) {
        public Event(byte[] key, byte[] value) {
            this(key, value, null);
        }

        public String keyString() {
            return key == null ? null : new String(key, StandardCharsets.UTF_8);
        }
    }

    private final List<Event> events;

    private EventLog(List<Event> events) {
        this.events = Collections.unmodifiableList(events);
    }

    public static EventLog of(List<Event> events) {
        return new EventLog(new ArrayList<>(events));
    }

    /** Every record the fleet emits, in emission order. */
    public static EventLog of(SimulatedFleet fleet) {
        List<Event> out = new ArrayList<>();
        fleet.emit((key, value) -> out.add(new Event(key, value)));
        return new EventLog(out);
    }

    public List<Event> events() {
        return events;
    }

    public int size() {
        return events.size();
    }

    /** Records {@code from} (inclusive) to {@code to} (exclusive). */
    public EventLog slice(int from, int to) {
        return new EventLog(new ArrayList<>(events.subList(from, to)));
    }

    /** This log followed by another. */
    public EventLog plus(EventLog other) {
        List<Event> all = new ArrayList<>(events);
        all.addAll(other.events);
        return new EventLog(all);
    }

    public long nullKeys() {
        return events.stream().filter(e -> e.key() == null).count();
    }

    /** Records the contract rejects. */
    public long malformed() {
        EventParser parser = new EventParser();
        return events.stream().filter(e -> !parser.parse(e.value()).isAccepted()).count();
    }

    /** The replay of all values, in order; rollouts still incomplete at the end count as abandoned. */
    public Report replay() {
        return engine().finish();
    }

    /** {@link #replay()} as JSON, as {@code canopy replay} writes it. */
    public String replayJson() {
        return ReportJson.toJson(replay());
    }

    /**
     * {@code canopy replay --semantic} of all values with the real embedding model and the monitor's
     * default sample bounds, as JSON: the report with a {@code semantic} block per release.
     */
    public String replaySemanticJson() {
        dev.canopy.semantic.SemanticAnalyzer analyzer = new dev.canopy.semantic.SemanticAnalyzer(new dev.canopy.semantic.MiniLmEmbedder(),
                dev.canopy.topology.SemanticSettings.DEFAULT_PER_PROMPT, dev.canopy.topology.SemanticSettings.DEFAULT_MAX_PROMPTS);
        ReplayEngine engine = new ReplayEngine(ReplayEngine.Options.defaults(), dev.canopy.topology.SemanticSettings.DEFAULT_MAX_CHARS,
                analyzer::accept);
        for (Event e : events) {
            engine.accept(e.value(), 0, e.value().length);
        }
        Report report = engine.finish();
        analyzer.flush();
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        ReportJson.write(report, out, analyzer.extension());
        return out.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Steps the replay ignored as repeats (producer retries). */
    public long duplicateSteps() {
        return engine().duplicateSteps();
    }

    private ReplayEngine engine() {
        ReplayEngine engine = new ReplayEngine(ReplayEngine.Options.defaults());
        for (Event e : events) {
            engine.accept(e.value(), 0, e.value().length);
        }
        return engine;
    }

    /**
     * A copy whose streaming outcome cannot depend on how the topology's paths interleave, so that it
     * must equal the replay: the assembler then sees the records of each rollout in this log's order,
     * as the replay does.
     * <ul>
     *   <li>A rollout whose first record has no key loses the key on all its records, and they are
     *       pinned to one partition of the {@code partitions} of the input topic; every other rollout is
     *       keyed by its rollout id throughout. (A rollout with keyed and null-keyed records reaches the
     *       assembler along two paths, the direct one and the re-partition topic, in an order that
     *       varies from run to run; its entropy sum is added up in arrival order, so its last bits vary
     *       too, which changes the ranks of tied rollouts and so Spearman and Kendall.)</li>
     *   <li>Repeats of a rollout's records emitted after the rollout completed are dropped: such a late
     *       repeat starts a new in-flight rollout that is counted as abandoned, by the replay at its end
     *       but by the monitor only after the idle timeout.</li>
     * </ul>
     * Malformed records keep their keys or null keys; repeats before completion stay, so the monitor
     * still sees producer retries and records without key.
     */
    public EventLog orderInsensitive(int partitions) {
        EventParser parser = new EventParser();
        RolloutAssembler assembler = new RolloutAssembler();
        Set<String> completed = new HashSet<>();
        Map<String, Boolean> unkeyed = new HashMap<>();
        String[] ids = new String[events.size()];
        boolean[] late = new boolean[events.size()];
        for (int i = 0; i < events.size(); i++) {
            ParseResult r = parser.parse(events.get(i).value());
            if (!r.isAccepted()) {
                continue;
            }
            String id = r.record().rolloutId();
            ids[i] = id;
            unkeyed.putIfAbsent(id, events.get(i).key() == null);
            if (completed.contains(id)) {
                late[i] = true;
                continue;
            }
            if (assembler.accept(r.record(), 0, i).completed() != null) {
                completed.add(id);
            }
        }
        List<Event> out = new ArrayList<>(events.size());
        for (int i = 0; i < events.size(); i++) {
            Event e = events.get(i);
            if (late[i]) {
                continue;
            }
            if (ids[i] == null) {
                out.add(e);
            } else if (unkeyed.get(ids[i])) {
                out.add(new Event(null, e.value(), Math.floorMod(ids[i].hashCode(), partitions)));
            } else {
                out.add(new Event(ids[i].getBytes(StandardCharsets.UTF_8), e.value()));
            }
        }
        return new EventLog(out);
    }
}
