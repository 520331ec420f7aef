package dev.canopy.simulator;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * A position in a {@link SimulatedFleet}'s stream: pulls records one at a time (for rate-controlled
 * demos) and counts what it emitted. Opened with {@link SimulatedFleet#cursor()}; cursors of one fleet
 * are independent and all emit the same sequence.
 *
 * <p>The cursor does the delivery: it keeps up to {@code concurrency} rollouts in flight and takes each
 * record from a uniformly chosen one, interleaves malformed records, adds producer-retry duplicates and
 * null keys, stamps timestamps, and passes records through the shuffle window. What the rollouts contain
 * comes from {@code FleetRollouts}.
 *
 * <p>Not thread-safe. The fleet's rollout listener is called on the cursor's thread, once per sampled
 * rollout, before any of its records is emitted.
 */
public final class FleetCursor {

    /** Mixed into the fleet seed for the scheduling randomness (slot choice, shuffle, duplicates, keys). */
    private static final long SCHEDULE_SALT = 0x5C4EDD1E5L;

    /** What a buffered record is, for the counters. */
    private enum Kind { TOKEN, CHUNK, MALFORMED }

    /**
     * The fleet's delivery settings, as validated by {@link SimulatedFleet.Builder}.
     *
     * @param totalRollouts rollouts to start over all streams, {@link Long#MAX_VALUE} when unbounded
     * @param listener      called once per sampled rollout, or null
     */
    record Delivery(long seed, int concurrency, int chunkSize, int shuffleWindow, double duplicateProbability,
                    double malformedFraction, double nullKeyFraction, long startTimestampMs, long msPerRecord,
                    long totalRollouts, Consumer<SimulatedRollout> listener) {
    }

    private final FleetRollouts rollouts;
    private final Delivery delivery;
    private final SplittableRandom sched;
    private final Slot[] active;
    private int activeCount;
    private long nextRollout;
    private final List<Pending> buffer = new ArrayList<>();
    private long generated;
    private long generatedMalformed;
    // emission counters
    private long records;
    private long tokenRecords;
    private long chunkRecords;
    private long duplicates;
    private long malformed;
    private long nullKeys;
    private long rolloutsStarted;
    private long rolloutsCompleted;
    private long tokens;

    FleetCursor(FleetRollouts rollouts, Delivery delivery) {
        this.rollouts = rollouts;
        this.delivery = delivery;
        this.sched = new SplittableRandom(RolloutRecords.mix64(delivery.seed() ^ SCHEDULE_SALT));
        this.active = new Slot[delivery.concurrency()];
    }

    /**
     * Emits the next record to the sink.
     *
     * @return false, without calling the sink, when the stream has ended
     */
    public boolean next(BiConsumer<byte[], byte[]> sink) {
        int cap = Math.max(1, delivery.shuffleWindow());
        while (buffer.size() < cap && generate()) {
            // filling the window
        }
        int size = buffer.size();
        if (size == 0) {
            return false;
        }
        int i = cap == 1 ? 0 : sched.nextInt(size);
        Pending p = buffer.get(i);
        Pending last = buffer.remove(size - 1);
        if (i < size - 1) {
            buffer.set(i, last);
        }
        count(p);
        sink.accept(p.key(), p.value());
        return true;
    }

    /** The counters so far. */
    public FleetStats stats() {
        return new FleetStats(records, tokenRecords, chunkRecords, duplicates, malformed, nullKeys,
                rolloutsStarted, rolloutsCompleted, tokens);
    }

    private void count(Pending p) {
        records++;
        if (p.key() == null) {
            nullKeys++;
        }
        switch (p.kind()) {
            case TOKEN -> tokenRecords++;
            case CHUNK -> chunkRecords++;
            case MALFORMED -> malformed++;
        }
        if (p.duplicate()) {
            duplicates++;
        } else if (p.kind() != Kind.MALFORMED) {
            tokens += p.positions();
            if (p.completes()) {
                rolloutsCompleted++;
            }
        }
    }

    /** Generates one record (or a record and its retry) into the buffer; false when nothing is left. */
    private boolean generate() {
        while (activeCount < delivery.concurrency() && nextRollout < delivery.totalRollouts()) {
            active[activeCount++] = start(nextRollout++);
        }
        if (activeCount == 0) {
            return false;
        }
        long ts = delivery.startTimestampMs() == RolloutRecords.NO_TIMESTAMP ? RolloutRecords.NO_TIMESTAMP
                : delivery.startTimestampMs() + generated * delivery.msPerRecord();
        double malformedFraction = delivery.malformedFraction();
        if (malformedFraction > 0 && generatedMalformed + 1 <= malformedFraction * (generated + 1)) {
            String id = rollouts.malformedId(generatedMalformed);
            buffer.add(new Pending(key(id), rollouts.malformedRecord(generatedMalformed), Kind.MALFORMED, false, 0, false));
            generatedMalformed++;
            generated++;
            return true;
        }
        int slotIndex = activeCount == 1 ? 0 : sched.nextInt(activeCount);
        Slot slot = active[slotIndex];
        SimulatedRollout r = slot.rollout;
        int n = r.length();
        int from = slot.position;
        int to = Math.min(n, from + delivery.chunkSize());
        boolean chunk = delivery.chunkSize() > 1;
        byte[] value = chunk ? slot.writer.chunkRecord(r, from, to, ts) : slot.writer.tokenRecord(r, from, ts);
        Kind kind = chunk ? Kind.CHUNK : Kind.TOKEN;
        boolean completes = to == n;
        buffer.add(new Pending(key(r.rolloutId()), value, kind, false, to - from, completes));
        generated++;
        if (delivery.duplicateProbability() > 0 && sched.nextDouble() < delivery.duplicateProbability()) {
            buffer.add(new Pending(key(r.rolloutId()), value, kind, true, to - from, false));
            generated++;
        }
        slot.position = to;
        if (completes) {
            if (nextRollout < delivery.totalRollouts()) {
                active[slotIndex] = start(nextRollout++);
            } else {
                active[slotIndex] = active[--activeCount];
                active[activeCount] = null;
            }
        }
        return true;
    }

    private byte[] key(String rolloutId) {
        if (delivery.nullKeyFraction() > 0 && sched.nextDouble() < delivery.nullKeyFraction()) {
            return null;
        }
        return rolloutId.getBytes(StandardCharsets.UTF_8);
    }

    private Slot start(long k) {
        FleetRollouts.Started started = rollouts.start(k);
        rolloutsStarted++;
        if (delivery.listener() != null) {
            delivery.listener().accept(started.rollout());
        }
        return new Slot(started.rollout(), started.writer());
    }

    /** An in-flight rollout and the next position to write. */
    private static final class Slot {
        final SimulatedRollout rollout;
        final RolloutRecords writer;
        int position;

        Slot(SimulatedRollout rollout, RolloutRecords writer) {
            this.rollout = rollout;
            this.writer = writer;
        }
    }

    /** A generated record waiting in the shuffle window. */
    private record Pending(byte[] key, byte[] value, Kind kind, boolean duplicate, int positions, boolean completes) {
    }
}
