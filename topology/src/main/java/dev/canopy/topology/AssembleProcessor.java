package dev.canopy.topology;

import dev.canopy.core.assembly.CompletedRollout;
import dev.canopy.core.assembly.RolloutAssembler;
import dev.canopy.core.assembly.RolloutState;
import dev.canopy.core.assembly.TextBuffer;
import dev.canopy.core.events.RejectReason;
import dev.canopy.core.events.TokenRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Assembles rollouts in the {@link StoreNames#IN_FLIGHT} store with the core's {@link RolloutAssembler}
 * rule, forwarding each completed rollout keyed by its model and release. A wall-clock punctuator
 * expires rollouts idle for longer than the idle timeout and forwards them as abandoned.
 *
 * <p>With semantic diversity on, the text of each in-flight rollout is kept in {@link StoreNames#TEXTS_IN_FLIGHT}
 * (at most {@code maxChars} characters; the first piece of a position wins) and forwarded with the
 * completed rollout; a rollout's text is deleted when it completes or expires. Texts of records that
 * arrive after their rollout completed are ignored like the records.
 *
 * <p>A record that arrives after its rollout completed and holds a position beyond the rollout's last
 * is forwarded as {@link Finished#rejected} (keyed by its rollout id, with the dead-letter headers and
 * reason {@code beyond_final}); a later record within the rollout's positions is a retry and is ignored.
 *
 * <p>Expiry is paced: one punctuation deletes at most {@link #MAX_EXPIRIES} entries (abandoned
 * rollouts and spent completion markers), since everything a punctuation forwards and deletes goes
 * into one transaction. When more are due, the next punctuation, a second later, goes on with them
 * instead of waiting for the next regular scan; so 200,000 rollouts that go idle at once are expired
 * in steps of bounded size rather than in one transaction too large to commit in time.
 *
 * <p>Correct only when all records of a rollout reach the same task, which the topology ensures by
 * re-partitioning records whose key is not their rollout_id.
 */
final class AssembleProcessor implements Processor<byte[], Routed, String, Finished> {

    /** Entries one punctuation deletes at most. */
    static final int MAX_EXPIRIES = 2_000;
    /** How often the punctuator wakes up to go on with a backlog of expiries. */
    static final Duration CATCH_UP = Duration.ofSeconds(1);

    private final Duration idleTimeout;
    private final int maxExpiries;
    private final TopologyObserver observer;
    /** Characters of text kept per rollout; 0 when texts are not kept. */
    private final int maxChars;
    private ProcessorContext<String, Finished> context;
    private RawInputRecords rawInput;
    private WriteBackStore<RolloutState> store;
    private InFlightTexts texts;
    private RolloutAssembler.StateStore states;
    /** Milliseconds between regular scans of the in-flight store. */
    private long scanEvery;
    /** Wall-clock time of the next regular scan; 0 before the first. */
    private long nextScan;
    /** True when the last scan stopped at {@link #maxExpiries} with more entries due. */
    private boolean backlog;

    AssembleProcessor(Duration idleTimeout, TopologyObserver observer, int maxChars) {
        this(idleTimeout, observer, maxChars, MAX_EXPIRIES);
    }

    AssembleProcessor(Duration idleTimeout, TopologyObserver observer, int maxChars, int maxExpiries) {
        if (maxExpiries < 1) {
            throw new IllegalArgumentException("maxExpiries must be at least 1");
        }
        this.maxExpiries = maxExpiries;
        this.idleTimeout = idleTimeout;
        this.observer = observer;
        this.maxChars = maxChars;
    }

    @Override
    public void init(ProcessorContext<String, Finished> context) {
        this.context = context;
        this.rawInput = RawInputRecords.of(context.appConfigs());
        this.store = context.getStateStore(StoreNames.IN_FLIGHT);
        this.texts = maxChars > 0 ? new InFlightTexts(context.getStateStore(StoreNames.TEXTS_IN_FLIGHT), maxChars) : null;
        this.states = new RolloutAssembler.StateStore() {
            @Override
            public RolloutState get(String rolloutId) {
                return store.get(rolloutId);
            }

            @Override
            public void put(String rolloutId, RolloutState state) {
                store.put(rolloutId, state);
            }

            @Override
            public void markCompleted(String rolloutId, long activityTime, int lastPosition) {
                store.putNow(rolloutId, RolloutState.completedMarker(activityTime, lastPosition));
            }
        };
        scanEvery = Math.max(CATCH_UP.toMillis(), Math.min(idleTimeout.toMillis() / 4, 30_000));
        context.schedule(CATCH_UP, PunctuationType.WALL_CLOCK_TIME, this::punctuate);
    }

    @Override
    public void process(Record<byte[], Routed> record) {
        rawInput.release(context);
        TokenRecord r = record.value().result().record();
        long eventTime = r.timestamp() >= 0 ? r.timestamp() : record.timestamp();
        if (texts != null && TextBuffer.hasText(r)) {
            keepText(r);
        }
        RolloutAssembler.Outcome outcome = RolloutAssembler.apply(states, r, eventTime, context.currentSystemTimeMs());
        if (outcome.beyondFinal()) {
            deadLetter(record, r);
            return;
        }
        CompletedRollout done = outcome.completed();
        if (done != null) {
            String text = null;
            if (texts != null) {
                text = texts.take(done.rolloutId());
            }
            context.forward(new Record<>(GroupKeys.of(done.model(), done.release()), new Finished(done, text), record.timestamp()));
        }
    }

    private void deadLetter(Record<byte[], Routed> record, TokenRecord r) {
        RejectReason reason = RejectReason.BEYOND_FINAL;
        Headers h = record.headers();
        h.remove(ValidateProcessor.REASON).add(ValidateProcessor.REASON, utf8(reason.code()));
        h.remove(ValidateProcessor.DETAIL).add(ValidateProcessor.DETAIL,
                utf8("position " + r.maxPosition() + " arrived after rollout " + r.rolloutId() + " completed at a lower last position"));
        RecordMetadata m = context.recordMetadata().orElse(null);
        if (m != null) {
            h.remove(ValidateProcessor.SOURCE_TOPIC).add(ValidateProcessor.SOURCE_TOPIC, utf8(m.topic()));
            h.remove(ValidateProcessor.SOURCE_PARTITION).add(ValidateProcessor.SOURCE_PARTITION, utf8(Integer.toString(m.partition())));
            h.remove(ValidateProcessor.SOURCE_OFFSET).add(ValidateProcessor.SOURCE_OFFSET, utf8(Long.toString(m.offset())));
        }
        observer.eventRejected(reason.code());
        context.forward(new Record<>(r.rolloutId(), Finished.rejected(record.value().raw()), record.timestamp(), h));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    private void keepText(TokenRecord r) {
        RolloutState state = store.get(r.rolloutId());
        if (state != null && state.isCompletedMarker()) {
            return;
        }
        texts.add(r);
    }

    /** Scans every {@link #scanEvery} ms, and every second while a backlog of expiries remains. */
    void punctuate(long now) {
        if (backlog || now >= nextScan) {
            nextScan = now + scanEvery;
            expire(now);
        }
    }

    void expire(long now) {
        long idleBefore = now - idleTimeout.toMillis();
        List<KeyValue<String, RolloutState>> expired = new ArrayList<>();
        List<String> spentMarkers = new ArrayList<>();
        long inFlight = 0;
        backlog = false;
        try (KeyValueIterator<String, byte[]> it = store.all()) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> kv = it.next();
                if (RolloutState.isCompletedMarker(kv.value)) {
                    if (RolloutState.activityOf(kv.value) < idleBefore) {
                        spentMarkers.add(kv.key);
                    }
                } else {
                    RolloutState s = RolloutState.fromBytes(kv.value);
                    if (s.lastActivity() < idleBefore) {
                        expired.add(KeyValue.pair(kv.key, s));
                    } else {
                        inFlight++;
                    }
                }
                if (expired.size() + spentMarkers.size() >= maxExpiries) {
                    backlog = it.hasNext();
                    break;
                }
            }
        }
        spentMarkers.forEach(store::delete);
        for (KeyValue<String, RolloutState> kv : expired) {
            store.delete(kv.key);
            if (texts != null) {
                texts.take(kv.key);
            }
            CompletedRollout abandoned = kv.value.toAbandoned(kv.key);
            observer.rolloutAbandoned(abandoned.model(), abandoned.release());
            context.forward(new Record<>(GroupKeys.of(abandoned.model(), abandoned.release()), new Finished(abandoned, null), now));
        }
        if (!backlog) {
            // a scan cut short has not counted every rollout in flight: keep the last full count
            observer.inFlight(context.taskId().toString(), inFlight);
        }
    }

    @Override
    public void close() {
        // the task may move to another instance: stop reporting its rollouts here
        observer.inFlight(context.taskId().toString(), 0);
    }
}
