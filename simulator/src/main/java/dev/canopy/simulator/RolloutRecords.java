package dev.canopy.simulator;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import dev.canopy.core.events.Estimator;
import dev.canopy.core.events.EventWriter;

/**
 * Renders sampled rollouts as token events of contract v1 (shared/EVENTS.md): decides which fields each
 * step carries and hands them to core's {@link EventWriter}, the one writer of the contract.
 *
 * <p>Every record carries {@code model}, {@code release}, {@code rollout_id}, {@code prompt_id} (omitted
 * when null) and, per step, {@code position} and {@code logprob}; then, according to the
 * {@link EstimatorMode}, {@code entropy} (exact step entropy), {@code top_logprobs} (the k largest
 * log-probabilities of the step, descending, from {@link MarkovLanguageModel#topLogprobs}) or nothing more
 * (surprisal only). The record holding the rollout's last position also gets {@code "final":true} and
 * {@code "finish_reason"}: "stop" when EOS was sampled (the EOS step is that last position), "length" when
 * the rollout was truncated. {@code timestamp} (epoch ms) is written unless {@link #NO_TIMESTAMP} is passed.
 *
 * <p>Text: off by default (records are then byte for byte what they were before the option existed).
 * {@link #withText(boolean) withText(true)} returns a writer that also puts {@code "text"} on every step, in
 * both forms: the token's made-up word from {@link TokenText#piece} (" river"), {@code ""} for the EOS step.
 * It is what semantic diversity embeds; a rollout's steps concatenate to {@link TokenText#of}.
 *
 * <p>Per-token form: one object per position. Chunk form: the top-level fields plus
 * {@code "tokens":[{position, logprob, ...}, ...]} covering a contiguous range of positions; the chunk that
 * holds the last position carries {@code final} and {@code finish_reason} at top level.
 *
 * <p>Output is always contract-valid: logprobs are &lt;= 0 and finite (a sampled token has positive
 * probability), entropies are finite and &gt;= 0, top_logprobs is non-empty. Records never contain a line
 * break, so they can be written as JSONL. Instances are immutable and thread-safe.
 */
public final class RolloutRecords {

    /** Pass as a timestamp to omit the {@code timestamp} field. */
    public static final long NO_TIMESTAMP = Long.MIN_VALUE;
    /** The default k for {@link EstimatorMode#TOPK}. */
    public static final int DEFAULT_TOP_K = 20;
    /** Largest k the contract allows. */
    public static final int MAX_TOP_K = 1000;

    private static final Estimator[] MIXED_CHOICES = {Estimator.EXACT, Estimator.TOPK, Estimator.SURPRISAL};

    private final EstimatorMode estimator;
    private final int topK;
    private final boolean text;

    /**
     * @param estimator the entropy source to write
     * @param topK      k for {@link EstimatorMode#TOPK} (and the TOPK steps of {@link EstimatorMode#MIXED}), 1..1000
     * @throws IllegalArgumentException if topK is out of range
     */
    public RolloutRecords(EstimatorMode estimator, int topK) {
        this(estimator, topK, false);
    }

    private RolloutRecords(EstimatorMode estimator, int topK, boolean text) {
        this.estimator = Objects.requireNonNull(estimator, "estimator");
        if (topK < 1 || topK > MAX_TOP_K) {
            throw new IllegalArgumentException("topK must be in 1.." + MAX_TOP_K + ", got " + topK);
        }
        this.topK = topK;
        this.text = text;
    }

    /** A writer with {@link #DEFAULT_TOP_K}. */
    public RolloutRecords(EstimatorMode estimator) {
        this(estimator, DEFAULT_TOP_K);
    }

    public EstimatorMode estimator() {
        return estimator;
    }

    public int topK() {
        return topK;
    }

    /**
     * A writer like this one that writes (true) or leaves out (false, the default) each step's {@code text}.
     */
    public RolloutRecords withText(boolean text) {
        return text == this.text ? this : new RolloutRecords(estimator, topK, text);
    }

    /** Whether steps carry {@code text}. */
    public boolean writesText() {
        return text;
    }
    /**
     * The estimator actually used for one step: the mode's own unless it is {@link EstimatorMode#MIXED},
     * in which case one of EXACT, TOPK, SURPRISAL picked by a SplitMix64 hash of
     * {@code rolloutId.hashCode()} and {@code position} (stable across runs and JVMs).
     */
    public static Estimator estimatorAt(EstimatorMode mode, String rolloutId, int position) {
        if (mode != EstimatorMode.MIXED) {
            return mode.fixed();
        }
        long z = ((long) rolloutId.hashCode() << 32) ^ (position & 0xFFFFFFFFL);
        z = mix64(z);
        return MIXED_CHOICES[(int) Long.remainderUnsigned(z, MIXED_CHOICES.length)];
    }

    static long mix64(long z) {
        z += 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * The per-token record for one position.
     *
     * @param timestampMs epoch ms, or {@link #NO_TIMESTAMP}
     * @throws IndexOutOfBoundsException if position is outside 0..N-1
     */
    public byte[] tokenRecord(SimulatedRollout r, int position, long timestampMs) {
        Objects.checkIndex(position, r.length());
        return EventWriter.token(header(r), step(r, position), tail(r, position == r.length() - 1, timestampMs));
    }

    /**
     * The chunk record for positions {@code from} (inclusive) to {@code to} (exclusive).
     *
     * @param timestampMs epoch ms, or {@link #NO_TIMESTAMP}
     * @throws IndexOutOfBoundsException unless 0 &lt;= from &lt; to &lt;= N
     */
    public byte[] chunkRecord(SimulatedRollout r, int from, int to, long timestampMs) {
        if (from < 0 || to > r.length() || from >= to) {
            throw new IndexOutOfBoundsException("chunk [" + from + ", " + to + ") outside 0.." + r.length());
        }
        List<EventWriter.Step> steps = new ArrayList<>(to - from);
        for (int pos = from; pos < to; pos++) {
            steps.add(step(r, pos));
        }
        return EventWriter.chunk(header(r), steps, tail(r, to == r.length(), timestampMs));
    }

    /** All per-token records of a rollout, positions 0..N-1 in order, without timestamps. */
    public List<byte[]> tokenRecords(SimulatedRollout r) {
        return tokenRecords(r, NO_TIMESTAMP, 0);
    }

    /**
     * All per-token records of a rollout in position order; position i gets timestamp
     * {@code startMs + i * msPerToken} (or none when startMs is {@link #NO_TIMESTAMP}).
     */
    public List<byte[]> tokenRecords(SimulatedRollout r, long startMs, long msPerToken) {
        List<byte[]> out = new ArrayList<>(r.length());
        for (int pos = 0; pos < r.length(); pos++) {
            out.add(tokenRecord(r, pos, startMs == NO_TIMESTAMP ? NO_TIMESTAMP : startMs + pos * msPerToken));
        }
        return out;
    }

    /** All chunk records of a rollout, chunks of {@code chunkSize} positions (the last may be shorter). */
    public List<byte[]> chunkRecords(SimulatedRollout r, int chunkSize) {
        return chunkRecords(r, chunkSize, NO_TIMESTAMP, 0);
    }

    /**
     * All chunk records of a rollout in order; a chunk's timestamp is that of its last position,
     * {@code startMs + last * msPerToken} (or none when startMs is {@link #NO_TIMESTAMP}).
     *
     * @throws IllegalArgumentException if chunkSize &lt; 1
     */
    public List<byte[]> chunkRecords(SimulatedRollout r, int chunkSize, long startMs, long msPerToken) {
        if (chunkSize < 1) {
            throw new IllegalArgumentException("chunkSize must be >= 1, got " + chunkSize);
        }
        int n = r.length();
        List<byte[]> out = new ArrayList<>((n + chunkSize - 1) / chunkSize);
        for (int from = 0; from < n; from += chunkSize) {
            int to = Math.min(n, from + chunkSize);
            out.add(chunkRecord(r, from, to, startMs == NO_TIMESTAMP ? NO_TIMESTAMP : startMs + (to - 1) * msPerToken));
        }
        return out;
    }

    private static EventWriter.Rollout header(SimulatedRollout r) {
        return new EventWriter.Rollout(r.model(), r.release(), r.rolloutId(), r.promptId());
    }

    private EventWriter.Step step(SimulatedRollout r, int position) {
        SampledStep step = r.sample().step(position);
        double entropy = Double.NaN;
        double[] top = null;
        switch (estimatorAt(estimator, r.rolloutId(), position)) {
            case EXACT -> entropy = step.entropy();
            case TOPK -> top = r.languageModel().topLogprobs(step.state(), topK);
            case SURPRISAL -> { }
            default -> throw new AssertionError("unresolved estimator");
        }
        String piece = text ? TokenText.piece(step.token(), r.languageModel().vocabularySize()) : null;
        return new EventWriter.Step(position, step.logprob(), entropy, top, piece);
    }

    /** NO_TIMESTAMP becomes core's "omit" (-1); a real timestamp is written as given. */
    private static EventWriter.Tail tail(SimulatedRollout r, boolean last, long timestampMs) {
        long ts = timestampMs == NO_TIMESTAMP ? -1 : timestampMs;
        return last ? new EventWriter.Tail(true, r.sample().finishReason(), ts) : EventWriter.Tail.notFinal(ts);
    }
}
