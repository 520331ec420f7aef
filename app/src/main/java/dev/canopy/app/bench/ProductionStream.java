package dev.canopy.app.bench;

import dev.canopy.simulator.FleetCursor;
import dev.canopy.simulator.EstimatorMode;
import dev.canopy.simulator.FleetStats;
import dev.canopy.simulator.ModelStyles;
import dev.canopy.simulator.SimulatedFleet;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * The production-shape traffic, generated record by record as long as it is asked for: two fleets
 * interleaved record by record, as one topic would receive them from different servers. The first
 * (4 deployments, as vLLM and OpenAI-compatible servers send them) has top-20 {@code top_logprobs} with the
 * sampled logprob, the exact entropy, only the logprob, or a per-step mix of the three, one choice per
 * rollout; the second (4 more deployments, TGI-style) has top-5 {@code top_logprobs} or only the logprob.
 * {@value #RELEASES} releases of 4 models, {@value #PROMPTS} prompts each, {@value #CONCURRENCY} rollouts
 * in flight. Each fleet sends its prompt set in rounds of about a quarter of the token budget, the next
 * round starting once the previous one has started its last rollout and fewer than its share are in
 * flight, so every release sees all of its prompts. Finished rounds are dropped, so a stream of a million
 * rollouts holds no more than the rounds still sending.
 *
 * <p>The same seed, budget and phase give the same records; another phase gives other rollouts (other ids,
 * other samples) of the same deployments, for a second batch on the same topic.
 */
final class ProductionStream {

    /** Rollouts in flight, split over the two fleets. */
    static final int CONCURRENCY = 2500;

    /** Releases (model and release) of both fleets together. */
    static final int RELEASES = 8;

    /** Prompts of each release's prompt set. */
    static final int PROMPTS = 64;

    /** Mean tokens a rollout is planned with, to size the rounds from the token budget. */
    private static final int PLANNED_ROLLOUT_TOKENS = 40;

    /** Rounds a fleet's half of the budget is sent in. */
    private static final int ROUNDS_PER_BUDGET = 4;

    /** Most rollouts per prompt of one round. */
    private static final int MAX_SAMPLES = 1_000_000;

    /** Keeps the seeds of two phases apart. */
    private static final long PHASE_SEED_STRIDE = 1_000_003L;

    /** Keeps the seeds of two rounds apart. */
    private static final long ROUND_SEED_STRIDE = 7919L;

    /** The top-k of the first fleet's {@code top_logprobs}. */
    private static final int WIDE_TOP_K = 20;

    /** The top-k of the second fleet's {@code top_logprobs}. */
    private static final int NARROW_TOP_K = 5;

    private final Rounds wide;
    private final Rounds narrow;

    /** Records without text, phase 0 unless said otherwise. */
    ProductionStream(int chunkSize, long budget, long seed, int phase) {
        this(chunkSize, budget, seed, phase, false);
    }

    /**
     * @param chunkSize 1 for per-token records, more for chunk records
     * @param budget    tokens the stream is planned for (sizes the rounds; it goes on past them)
     * @param phase     0 for the first batch of a run; another number for other rollouts of the same deployments
     * @param text      whether each token's made-up word is in the records (what semantic diversity embeds)
     */
    ProductionStream(int chunkSize, long budget, long seed, int phase, boolean text) {
        int half = CONCURRENCY / 2;
        String tag = phase == 0 ? "" : "p" + phase + "-";
        long phaseSeed = PHASE_SEED_STRIDE * phase;
        wide = new Rounds(BenchEvents.deployments(seed), chunkSize, seed + phaseSeed, half, budget, WIDE_TOP_K, "req-a-" + tag, text,
                EstimatorMode.TOPK, EstimatorMode.EXACT, EstimatorMode.SURPRISAL, EstimatorMode.MIXED);
        List<BenchEvents.Deployment> narrowDeployments = List.of(
                new BenchEvents.Deployment("sim-tgi-7b", "base-2026-09-30", ModelStyles.base(seed + 4, BenchEvents.VOCABULARY)),
                new BenchEvents.Deployment("sim-tgi-7b", "ft-2026-11-25", ModelStyles.tuned(seed + 5, BenchEvents.VOCABULARY)),
                new BenchEvents.Deployment("sim-api-mini", "2026-10-01", ModelStyles.base(seed + 6, BenchEvents.VOCABULARY)),
                new BenchEvents.Deployment("sim-api-mini", "2026-11-29", ModelStyles.tuned(seed + 7, BenchEvents.VOCABULARY)));
        narrow = new Rounds(narrowDeployments, chunkSize, seed + 100 + phaseSeed, CONCURRENCY - half, budget, NARROW_TOP_K,
                "req-b-" + tag, text, EstimatorMode.TOPK, EstimatorMode.SURPRISAL);
    }

    /** Sends the next record of each fleet to {@code sink}. */
    void next(BiConsumer<byte[], byte[]> sink) {
        wide.next(sink);
        narrow.next(sink);
    }

    /** Tokens sent so far. */
    long tokens() {
        return wide.tokens() + narrow.tokens();
    }

    /** Rollouts whose final record has been sent. */
    long rollouts() {
        return wide.rollouts() + narrow.rollouts();
    }

    /** Rollouts started and not yet completed. */
    long inFlight() {
        return wide.inFlight() + narrow.inFlight();
    }

    /**
     * One fleet sending its prompt set round after round, a new round joining once the previous one has
     * started its last rollout and fewer than its concurrency are in flight.
     */
    private static final class Rounds {
        private final List<BenchEvents.Deployment> deployments;
        private final int chunkSize;
        private final long seed;
        private final int concurrency;
        private final int topK;
        private final String prefix;
        private final boolean text;
        private final EstimatorMode[] estimators;
        private final int samples;
        private final List<FleetCursor> live = new ArrayList<>();
        private SimulatedFleet newestFleet;
        private FleetCursor newest;
        private int rounds;
        private long doneTokens;
        private long doneRollouts;
        private int turn;

        Rounds(List<BenchEvents.Deployment> deployments, int chunkSize, long seed, int concurrency, long tokens, int topK, String prefix,
               boolean text, EstimatorMode... estimators) {
            this.deployments = deployments;
            this.chunkSize = chunkSize;
            this.seed = seed;
            this.concurrency = concurrency;
            this.topK = topK;
            this.prefix = prefix;
            this.text = text;
            this.estimators = estimators;
            // a quarter of this fleet's half of the budget per round
            long perRound = tokens / 2 / ROUNDS_PER_BUDGET / PLANNED_ROLLOUT_TOKENS;
            this.samples = (int) Math.max(1, Math.min(MAX_SAMPLES, perRound / ((long) PROMPTS * deployments.size())));
        }

        void next(BiConsumer<byte[], byte[]> sink) {
            if (live.isEmpty() || (startedAll() && inFlight() < concurrency)) {
                SimulatedFleet.Builder b = SimulatedFleet.builder();
                for (BenchEvents.Deployment d : deployments) {
                    b.stream(d.model(), d.release(), d.languageModel());
                }
                int round = rounds++;
                newestFleet = b.seed(seed + ROUND_SEED_STRIDE * round)
                        .concurrency(concurrency)
                        .estimators(estimators)
                        .topK(topK)
                        .chunkSize(chunkSize)
                        .rolloutIdPrefix(prefix + Long.toHexString(seed) + "-r" + round + "-")
                        .promptSet(PROMPTS, samples)
                        .text(text)
                        .build();
                newest = newestFleet.cursor();
                live.add(newest);
            }
            while (!live.isEmpty()) {
                turn = (turn + 1) % live.size();
                FleetCursor c = live.get(turn);
                if (c.next(sink)) {
                    return;
                }
                FleetStats st = c.stats();
                doneTokens += st.tokens();
                doneRollouts += st.rolloutsCompleted();
                live.remove(turn);
            }
        }

        /** The newest round has started its last rollout. */
        private boolean startedAll() {
            return newest.stats().rolloutsStarted() >= newestFleet.totalRollouts();
        }

        /** Rollouts started and not yet completed, over the rounds still sending. */
        long inFlight() {
            long n = 0;
            for (FleetCursor c : live) {
                FleetStats st = c.stats();
                n += st.rolloutsStarted() - st.rolloutsCompleted();
            }
            return n;
        }

        long tokens() {
            long n = doneTokens;
            for (FleetCursor c : live) {
                n += c.stats().tokens();
            }
            return n;
        }

        long rollouts() {
            long n = doneRollouts;
            for (FleetCursor c : live) {
                n += c.stats().rolloutsCompleted();
            }
            return n;
        }
    }
}
