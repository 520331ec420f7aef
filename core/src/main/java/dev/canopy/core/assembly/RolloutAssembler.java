package dev.canopy.core.assembly;

import dev.canopy.core.events.Estimator;
import dev.canopy.core.events.TokenRecord;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Assembles rollouts from token records that may arrive interleaved, out of order and repeated
 * (EVENTS.md, "Semantics"). The rule lives in {@link #apply}, which works on any {@link StateStore}:
 * the replay keeps states in a hash map, the streaming topology in a changelogged Kafka Streams store.
 *
 * <p>A rollout belongs to the model, release and prompt of its first accepted record; later records
 * of the same rollout id only add steps. Once complete, a rollout leaves a marker behind until the idle
 * timeout (in memory: the newest {@value #MAX_COMPLETED_MARKERS} markers), so that a producer retry
 * arriving after completion is ignored as a repeat rather than counted as an abandoned rollout. A record
 * arriving then with a position beyond the completed rollout's last one is no retry: the outcome says so
 * ({@link Outcome#beyondFinal()}) and the caller rejects it ({@code beyond_final}).
 */
public final class RolloutAssembler {

    /**
     * A completed marker whose last position is unknown (written before markers carried it): later
     * records of the rollout are all ignored as retries.
     */
    public static final RolloutState COMPLETED = RolloutState.completedMarkerState(-1);

    /** Where in-flight rollout states live. */
    public interface StateStore {
        /**
         * The state, a {@linkplain RolloutState#isCompletedMarker() completed marker} for a recently
         * completed rollout, or null.
         */
        RolloutState get(String rolloutId);

        void put(String rolloutId, RolloutState state);

        /** Replaces the state by a completed marker (see {@link RolloutState#completedMarker}), kept until the idle timeout. */
        void markCompleted(String rolloutId, long activityTime, int lastPosition);
    }

    /** Completed markers kept by the in-memory assembler, oldest dropped first. */
    public static final int MAX_COMPLETED_MARKERS = 200_000;

    /**
     * What one record did: the rollout it completed (or null), how many of its steps were repeats, and
     * whether it was dropped for arriving after its rollout completed with a position beyond the
     * rollout's last (then nothing else changed).
     */
    public record Outcome(CompletedRollout completed, int duplicateSteps, boolean beyondFinal) {

        public Outcome(CompletedRollout completed, int duplicateSteps) {
            this(completed, duplicateSteps, false);
        }
    }

    private final Map<String, RolloutState> inFlight = new HashMap<>();
    /** Recently completed rollouts and their last positions. */
    private final Map<String, Integer> completed = new java.util.LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Integer> eldest) {
            return size() > MAX_COMPLETED_MARKERS;
        }
    };
    private final StateStore mapStore = new StateStore() {
        @Override
        public RolloutState get(String rolloutId) {
            RolloutState s = inFlight.get(rolloutId);
            if (s == null) {
                Integer last = completed.get(rolloutId);
                return last == null ? null : RolloutState.completedMarkerState(last);
            }
            return s;
        }

        @Override
        public void put(String rolloutId, RolloutState state) {
            inFlight.put(rolloutId, state);
        }

        @Override
        public void markCompleted(String rolloutId, long activityTime, int lastPosition) {
            inFlight.remove(rolloutId);
            completed.put(rolloutId, lastPosition);
        }
    };
    private final Map<String, String> names = new HashMap<>();

    /**
     * Applies one accepted record to the rollout it belongs to.
     *
     * @param eventTime    the record's event time (its timestamp field, else the Kafka record timestamp)
     * @param activityTime wall-clock time of arrival, for the idle timeout
     */
    public static Outcome apply(StateStore store, TokenRecord record, long eventTime, long activityTime) {
        String id = record.rolloutId();
        RolloutState state = store.get(id);
        if (state != null && state.isCompletedMarker()) {
            if (state.lastPosition() >= 0 && record.maxPosition() > state.lastPosition()) {
                return new Outcome(null, 0, true);
            }
            return new Outcome(null, record.steps());
        }
        if (state == null) {
            state = new RolloutState(record.model(), record.release(), record.promptId());
        }
        int duplicates = 0;
        int[] positions = record.positions();
        double[] entropies = record.entropies();
        double[] uppers = record.upperBounds();
        byte[] estimators = record.estimators();
        for (int i = 0; i < positions.length; i++) {
            if (!state.addStep(positions[i], entropies[i], uppers[i], Estimator.ofOrdinal(estimators[i]))) {
                duplicates++;
            }
        }
        if (record.isFinal()) {
            state.markFinal(record.maxPosition(), record.finishReason());
        }
        state.touch(eventTime, activityTime);
        if (state.isComplete()) {
            store.markCompleted(id, activityTime, state.lastPosition());
            return new Outcome(state.toCompleted(id), duplicates);
        }
        store.put(id, state);
        return new Outcome(null, duplicates);
    }

    /** In-memory assembly, as used by {@code canopy replay}. Model and release names are shared, not copied per rollout. */
    public Outcome accept(TokenRecord record, long eventTime, long activityTime) {
        TokenRecord r = record;
        if (!inFlight.containsKey(record.rolloutId()) && !completed.containsKey(record.rolloutId())) {
            r = new TokenRecord(intern(record.model()), intern(record.release()), record.rolloutId(),
                    intern(record.promptId()), record.isFinal(), record.finishReason(), record.timestamp(),
                    record.positions(), record.entropies(), record.upperBounds(), record.estimators(), record.texts());
        }
        return apply(mapStore, r, eventTime, activityTime);
    }

    private String intern(String s) {
        if (names.size() > 100_000) {
            names.clear();
        }
        return names.computeIfAbsent(s, k -> k);
    }

    public int inFlight() {
        return inFlight.size();
    }

    /** Whether the rollout completed recently: its later records are ignored as repeats. */
    public boolean completedRecently(String rolloutId) {
        return completed.containsKey(rolloutId);
    }

    /** Removes and returns, as abandoned, the rollouts idle since before {@code idleBefore}. */
    public List<CompletedRollout> expireIdle(long idleBefore) {
        List<CompletedRollout> out = new ArrayList<>();
        for (Iterator<Map.Entry<String, RolloutState>> it = inFlight.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, RolloutState> e = it.next();
            if (e.getValue().lastActivity() < idleBefore) {
                out.add(e.getValue().toAbandoned(e.getKey()));
                it.remove();
            }
        }
        return out;
    }

    /** Removes and returns every rollout still in flight, as abandoned (end of a replay). */
    public List<CompletedRollout> drainAbandoned() {
        completed.clear();
        return expireIdle(Long.MAX_VALUE);
    }
}
