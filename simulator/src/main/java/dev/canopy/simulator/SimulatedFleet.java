package dev.canopy.simulator;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * A deterministic generator of an interleaved contract-v1 event stream from one or more simulated
 * deployments (model, release, {@link MarkovLanguageModel}), for the demo, tests and benchmark files.
 *
 * <h2>What it produces</h2>
 * Records are {@code (key, value)} byte pairs handed to a {@code BiConsumer<byte[], byte[]>}: the value is
 * one JSON record from {@link RolloutRecords} (per-token, or chunks of {@code chunkSize} positions), the key the
 * rollout id in UTF-8 (null for a configurable fraction of records). Rollouts are numbered k = 0, 1, ...
 * and assigned to streams round-robin (stream k mod S).
 * <ul>
 *   <li><b>Prompt-set mode</b> ({@link Builder#promptSet(int, int)}): each stream samples {@code n}
 *       rollouts for each of P prompts, prompt ids {@code "p-000"}, {@code "p-001"}, ... (three digits
 *       minimum); prompt p of a stream uses {@code model.withPromptVariant(p)}, whose CE* is known exactly
 *       ({@link #languageModel(int, int)}). Rollout ids are
 *       {@code <prefix>s<stream>-<promptId>:<sample>}. The stream ends after S * P * n rollouts.</li>
 *   <li><b>Traffic mode</b> (default): no prompt id; every rollout of a stream uses the stream's model as
 *       given. Rollout ids are {@code <prefix>s<stream>-<k / S>}. Unbounded unless
 *       {@link Builder#rollouts(long)} is set.</li>
 * </ul>
 * At most {@code concurrency} rollouts are in flight; each record comes from a uniformly chosen in-flight
 * rollout, in that rollout's position order, so rollouts interleave. Records then pass a shuffle window of
 * {@code w} records (a uniformly chosen buffered record is emitted each time, so a record is delayed by
 * about w records on average, with a geometric tail): with w &gt; 1 positions of a rollout can arrive out of
 * order. A valid record is re-emitted with probability {@code duplicateProbability} (same bytes, a producer
 * retry). Malformed records ({@link Malformation}, in its declaration order, rotating) are interleaved so
 * that after every generated record the malformed share is the largest value not above
 * {@code malformedFraction}; they use their own rollout ids ({@code <prefix>bad-<i>}), so dropping them
 * loses nothing. With timestamps on, the i-th generated record gets {@code startMs + i * msPerRecord}
 * (before shuffling, so the emitted order is not strictly increasing).
 *
 * <p>With {@link Builder#text(boolean) text} on, every step also carries the token's made-up word
 * ({@link TokenText}), so semantic diversity can be tried on simulated events; off by default.
 *
 * <h2>Determinism</h2>
 * Everything is a function of the builder's settings. The content of rollout k depends only on the seed,
 * k and its model (not on concurrency, shuffling or injected faults), so two fleets that differ only in
 * delivery settings carry the same rollouts.
 *
 * <p>A fleet is immutable and can open any number of independent {@link FleetCursor}s; a cursor is not
 * thread-safe. The optional rollout listener is called, on the cursor's thread, once per sampled rollout
 * before any of its records is emitted: it is the ground truth for tests.
 *
 * <p>The content of the rollouts is {@code FleetRollouts}' business, their delivery the cursor's; this
 * class holds the settings and hands both parts what they need.
 */
public final class SimulatedFleet {

    /** One deployment: the monitoring key (model, release) and the chain that generates its rollouts. */
    public record Stream(String model, String release, MarkovLanguageModel languageModel) {
        public Stream {
            if (model == null || model.isEmpty() || release == null || release.isEmpty()) {
                throw new IllegalArgumentException("model and release must be non-empty");
            }
            Objects.requireNonNull(languageModel, "languageModel");
        }
    }

    private final List<Stream> streams;
    private final int prompts;
    private final int samplesPerPrompt;
    private final long rolloutLimit;
    private final int maxTokens;
    private final FleetRollouts rollouts;
    private final FleetCursor.Delivery delivery;

    private SimulatedFleet(Builder b) {
        this.streams = List.copyOf(b.streams);
        this.prompts = b.prompts;
        this.samplesPerPrompt = b.samplesPerPrompt;
        this.rolloutLimit = b.rolloutLimit;
        this.maxTokens = b.maxTokens;
        RolloutRecords[] writers = new RolloutRecords[b.estimators.length];
        for (int i = 0; i < writers.length; i++) {
            writers[i] = new RolloutRecords(b.estimators[i], b.topK).withText(b.text);
        }
        this.rollouts = new FleetRollouts(streams, b.seed, prompts, samplesPerPrompt, maxTokens, writers, b.idPrefix);
        this.delivery = new FleetCursor.Delivery(b.seed, b.concurrency, b.chunkSize, b.shuffleWindow,
                b.duplicateProbability, b.malformedFraction, b.nullKeyFraction, b.startTimestampMs, b.msPerRecord,
                totalRollouts(), b.listener);
    }

    /** A builder with the defaults documented on its setters. */
    public static Builder builder() {
        return new Builder();
    }

    /** The prompt id of prompt index p: {@code "p-"} and p zero-padded to three digits ("p-017"). */
    public static String promptId(int promptIndex) {
        return FleetRollouts.promptId(promptIndex);
    }

    public List<Stream> streams() {
        return streams;
    }

    /** Whether rollouts carry prompt ids (prompt-set mode). */
    public boolean promptSetMode() {
        return prompts > 0;
    }

    /** P in prompt-set mode, 0 in traffic mode. */
    public int prompts() {
        return prompts;
    }

    /** n in prompt-set mode, 0 in traffic mode. */
    public int samplesPerPrompt() {
        return samplesPerPrompt;
    }

    public int maxTokens() {
        return maxTokens;
    }

    /** Whether the records' steps carry {@code text}. */
    public boolean writesText() {
        return rollouts.writesText();
    }

    /** The number of rollouts the fleet will produce, or {@link Long#MAX_VALUE} when unbounded. */
    public long totalRollouts() {
        return promptSetMode() ? (long) streams.size() * prompts * samplesPerPrompt : rolloutLimit;
    }

    /**
     * The chain behind prompt {@code promptIndex} of stream {@code stream}: the truth its CE* and length
     * should be compared against (use the {@code maxTokens} overloads for the truncated truth).
     *
     * @throws IndexOutOfBoundsException outside prompt-set mode or for indices out of range
     */
    public MarkovLanguageModel languageModel(int stream, int promptIndex) {
        return rollouts.languageModel(stream, promptIndex);
    }

    /** Opens a fresh cursor at the start of the stream. */
    public FleetCursor cursor() {
        return new FleetCursor(rollouts, delivery);
    }

    /**
     * Emits the whole stream.
     *
     * @throws IllegalStateException if the fleet is unbounded (traffic mode without a rollout limit)
     */
    public FleetStats emit(BiConsumer<byte[], byte[]> sink) {
        if (totalRollouts() == Long.MAX_VALUE) {
            throw new IllegalStateException("unbounded fleet: set promptSet(..) or rollouts(..), or pass maxRecords");
        }
        return emit(sink, Long.MAX_VALUE);
    }

    /** Emits from a fresh cursor until the stream ends or {@code maxRecords} records were emitted. */
    public FleetStats emit(BiConsumer<byte[], byte[]> sink, long maxRecords) {
        FleetCursor c = cursor();
        for (long i = 0; i < maxRecords && c.next(sink); i++) {
            // emitted
        }
        return c.stats();
    }

    /** Settings of a {@link SimulatedFleet}; every setter validates its argument. */
    public static final class Builder {
        private static final int DEFAULT_CONCURRENCY = 16;
        private static final int DEFAULT_MAX_TOKENS = 256;

        private final List<Stream> streams = new ArrayList<>();
        private long seed = 1;
        private int concurrency = DEFAULT_CONCURRENCY;
        private int prompts;
        private int samplesPerPrompt;
        private long rolloutLimit = Long.MAX_VALUE;
        private int maxTokens = DEFAULT_MAX_TOKENS;
        private EstimatorMode[] estimators = {EstimatorMode.EXACT};
        private int topK = RolloutRecords.DEFAULT_TOP_K;
        private boolean text;
        private int chunkSize = 1;
        private int shuffleWindow;
        private double duplicateProbability;
        private double malformedFraction;
        private double nullKeyFraction;
        private long startTimestampMs = RolloutRecords.NO_TIMESTAMP;
        private long msPerRecord;
        private String idPrefix = "";
        private Consumer<SimulatedRollout> listener;

        private Builder() {
        }

        /** Adds a deployment (at least one is required). Rollout k goes to stream k mod S. */
        public Builder stream(String model, String release, MarkovLanguageModel languageModel) {
            streams.add(new Stream(model, release, languageModel));
            return this;
        }

        /** The seed (default 1). */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Rollouts in flight at once, interleaving their records (default 16, at least 1). */
        public Builder concurrency(int concurrency) {
            if (concurrency < 1) {
                throw new IllegalArgumentException("concurrency must be >= 1, got " + concurrency);
            }
            this.concurrency = concurrency;
            return this;
        }

        /** Prompt-set mode: per stream, {@code samplesPerPrompt} rollouts for each of {@code prompts} prompts. */
        public Builder promptSet(int prompts, int samplesPerPrompt) {
            if (prompts < 1 || samplesPerPrompt < 1) {
                throw new IllegalArgumentException("prompts and samplesPerPrompt must be >= 1");
            }
            this.prompts = prompts;
            this.samplesPerPrompt = samplesPerPrompt;
            return this;
        }

        /** Traffic mode only: stop after this many rollouts over all streams (default unbounded). */
        public Builder rollouts(long rollouts) {
            if (rollouts < 0) {
                throw new IllegalArgumentException("rollouts must be >= 0, got " + rollouts);
            }
            this.rolloutLimit = rollouts;
            return this;
        }

        /** Token limit per rollout (default 256); longer rollouts end with finish_reason "length". */
        public Builder maxTokens(int maxTokens) {
            if (maxTokens < 1) {
                throw new IllegalArgumentException("maxTokens must be >= 1, got " + maxTokens);
            }
            this.maxTokens = maxTokens;
            return this;
        }

        /** One estimator for every rollout (default {@link EstimatorMode#EXACT}). */
        public Builder estimator(EstimatorMode estimator) {
            return estimators(estimator);
        }

        /** Each rollout uses one of these, picked by a hash of its seed (MIXED still varies per step). */
        public Builder estimators(EstimatorMode... estimators) {
            if (estimators.length == 0) {
                throw new IllegalArgumentException("at least one estimator");
            }
            for (EstimatorMode e : estimators) {
                Objects.requireNonNull(e, "estimator");
            }
            this.estimators = estimators.clone();
            return this;
        }

        /** k for top_logprobs (default {@link RolloutRecords#DEFAULT_TOP_K}, 1..1000). */
        public Builder topK(int topK) {
            if (topK < 1 || topK > RolloutRecords.MAX_TOP_K) {
                throw new IllegalArgumentException("topK must be in 1.." + RolloutRecords.MAX_TOP_K + ", got " + topK);
            }
            this.topK = topK;
            return this;
        }

        /**
         * Writes each step's {@code text}, the token's made-up word (see {@link TokenText}), in both record
         * forms. Default off; with it off
         * the records are exactly those of a fleet without the option.
         */
        public Builder text(boolean text) {
            this.text = text;
            return this;
        }

        /** Positions per record: 1 (default) writes per-token records, more writes chunk records. */
        public Builder chunkSize(int chunkSize) {
            if (chunkSize < 1) {
                throw new IllegalArgumentException("chunkSize must be >= 1, got " + chunkSize);
            }
            this.chunkSize = chunkSize;
            return this;
        }

        /** Shuffle window in records (default 0; 0 and 1 keep generation order). */
        public Builder shuffleWindow(int records) {
            if (records < 0) {
                throw new IllegalArgumentException("shuffleWindow must be >= 0, got " + records);
            }
            this.shuffleWindow = records;
            return this;
        }

        /** Probability that a valid record is emitted twice (default 0, in [0, 1)). */
        public Builder duplicateProbability(double p) {
            this.duplicateProbability = fraction("duplicateProbability", p);
            return this;
        }

        /** Share of emitted records that are malformed (default 0, in [0, 1)). */
        public Builder malformedFraction(double f) {
            this.malformedFraction = fraction("malformedFraction", f);
            return this;
        }

        /** Probability that a record's key is null (default 0, in [0, 1)). */
        public Builder nullKeyFraction(double f) {
            this.nullKeyFraction = fraction("nullKeyFraction", f);
            return this;
        }

        /** Writes timestamps: the i-th generated record gets {@code startMs + i * msPerRecord} (default: none). */
        public Builder timestamps(long startMs, long msPerRecord) {
            if (startMs == RolloutRecords.NO_TIMESTAMP || msPerRecord < 0) {
                throw new IllegalArgumentException("invalid timestamp settings");
            }
            this.startTimestampMs = startMs;
            this.msPerRecord = msPerRecord;
            return this;
        }

        /** Prefix of every rollout id (default empty); use distinct prefixes for runs sharing a topic. */
        public Builder rolloutIdPrefix(String prefix) {
            this.idPrefix = Objects.requireNonNull(prefix, "prefix");
            return this;
        }

        /** Called once per sampled rollout, before its records are emitted (default none). */
        public Builder onRollout(Consumer<SimulatedRollout> listener) {
            this.listener = listener;
            return this;
        }

        /**
         * Builds the fleet (prompt variants are precomputed here: S * P chains).
         *
         * @throws IllegalStateException without a stream
         */
        public SimulatedFleet build() {
            if (streams.isEmpty()) {
                throw new IllegalStateException("add at least one stream");
            }
            return new SimulatedFleet(this);
        }

        private static double fraction(String name, double v) {
            if (!(v >= 0 && v < 1)) {
                throw new IllegalArgumentException(name + " must be in [0, 1), got " + v);
            }
            return v;
        }
    }
}
