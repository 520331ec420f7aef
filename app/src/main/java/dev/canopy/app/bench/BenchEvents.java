package dev.canopy.app.bench;

import dev.canopy.simulator.EstimatorMode;
import dev.canopy.simulator.FleetCursor;
import dev.canopy.simulator.FleetStats;
import dev.canopy.simulator.MarkovLanguageModel;
import dev.canopy.simulator.ModelStyles;
import dev.canopy.simulator.SimulatedFleet;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * A benchmark workload held in memory: the Kafka keys and values of simulated contract-v1 records, with
 * how many tokens they carry and how many rollouts they complete. Every workload of a run comes from the
 * same fleet (2 models x 2 releases, 64 prompts, {@link #CONCURRENCY} rollouts in flight, rollouts of
 * about 35 tokens), so the per-token and chunk forms carry the same rollouts.
 *
 * @param name       what the reader sees in the tables ("token", "chunk32", ...)
 * @param keys       record keys (the rollout id, UTF-8)
 * @param values     record values (one JSON object each)
 * @param tokens     positions carried by the records
 * @param rollouts   rollouts whose final record is among them (the others are still in flight at the end)
 * @param bytes      total size of the values
 */
record BenchEvents(String name, List<byte[]> keys, List<byte[]> values, long tokens, long rollouts, long bytes) {

    /** Rollouts in flight while the fleet emits: a busy serving fleet's concurrent requests. */
    static final int CONCURRENCY = 1024;

    /** Vocabulary of the simulated models. */
    static final int VOCABULARY = 48;

    /** The fleet's deployments: model, release and the chain its rollouts are sampled from. */
    record Deployment(String model, String release, MarkovLanguageModel languageModel) {
    }

    int records() {
        return values.size();
    }

    double tokensPerRecord() {
        return values.isEmpty() ? 0 : (double) tokens / values.size();
    }

    /**
     * Records of the fleet until they carry {@code tokens} tokens.
     *
     * @param chunkSize 1 for per-token records, more for chunk records
     */
    static BenchEvents generate(String name, EstimatorMode estimator, int chunkSize, long tokens, long seed) {
        SimulatedFleet fleet = fleet(estimator, chunkSize, seed, CONCURRENCY, tokens);
        return collect(name, fleet.cursor(), tokens, (int) Math.min(Integer.MAX_VALUE - 8, tokens / chunkSize + 16));
    }

    /**
     * Every record of a prompt set: {@code prompts} prompts per deployment, {@code samplesPerPrompt} rollouts
     * each, all of them complete; when {@code text}, each token's made-up word is in the records (what
     * semantic diversity embeds). Rollouts come prompt after prompt, as a probe set sends them.
     */
    static BenchEvents promptSet(String name, EstimatorMode estimator, int chunkSize, long seed, int prompts, int samplesPerPrompt,
                                 boolean text) {
        SimulatedFleet fleet = fleetBuilder(estimator, chunkSize, seed, CONCURRENCY)
                .promptSet(prompts, samplesPerPrompt)
                .text(text)
                .build();
        return collect(name, fleet.cursor(), Long.MAX_VALUE, 1024);
    }

    private static BenchEvents collect(String name, FleetCursor cursor, long tokens, int expected) {
        List<byte[]> keys = new ArrayList<>(expected);
        List<byte[]> values = new ArrayList<>(expected);
        long[] size = {0};
        FleetStats stats = cursor.stats();
        while (stats.tokens() < tokens && cursor.next((k, v) -> {
            keys.add(k);
            values.add(v);
            size[0] += v.length;
        })) {
            stats = cursor.stats();
        }
        return new BenchEvents(name, keys, values, stats.tokens(), stats.rolloutsCompleted(), size[0]);
    }

    /** Rollouts in flight in the production-shape workload, split over its two fleets. */
    static final int PRODUCTION_CONCURRENCY = 2500;

    /**
     * The production-shape workload: two fleets interleaved record by record, as one topic would receive
     * them from different servers. The first (4 deployments) sends top-20 {@code top_logprobs} with the
     * sampled logprob, the exact entropy, only the logprob, or a per-step mix of the three, one choice per
     * rollout; the second (4 more deployments) sends top-5 {@code top_logprobs} or only the logprob.
     * 8 releases of 4 models, 64 prompts each, {@link #PRODUCTION_CONCURRENCY} rollouts in flight. Each
     * fleet sends its prompt set in rounds of about a quarter of the token budget, the next round starting
     * once the previous one has started its last rollout and fewer than its share are in flight, so every release sees all of its prompts.
     */
    static BenchEvents production(String name, int chunkSize, long tokens, long seed) {
        int half = PRODUCTION_CONCURRENCY / 2;
        Rounds wide = new Rounds(deployments(seed), chunkSize, seed, half, tokens, 20, "req-a-",
                EstimatorMode.TOPK, EstimatorMode.EXACT, EstimatorMode.SURPRISAL, EstimatorMode.MIXED);
        List<Deployment> narrowDeployments = List.of(
                new Deployment("sim-tgi-7b", "base-2026-09-30", ModelStyles.base(seed + 4, VOCABULARY)),
                new Deployment("sim-tgi-7b", "ft-2026-11-25", ModelStyles.tuned(seed + 5, VOCABULARY)),
                new Deployment("sim-api-mini", "2026-10-01", ModelStyles.base(seed + 6, VOCABULARY)),
                new Deployment("sim-api-mini", "2026-11-29", ModelStyles.tuned(seed + 7, VOCABULARY)));
        Rounds narrow = new Rounds(narrowDeployments, chunkSize, seed + 100, PRODUCTION_CONCURRENCY - half, tokens, 5, "req-b-",
                EstimatorMode.TOPK, EstimatorMode.SURPRISAL);
        int expected = (int) Math.min(Integer.MAX_VALUE - 8, tokens / chunkSize + 16);
        List<byte[]> keys = new ArrayList<>(expected);
        List<byte[]> values = new ArrayList<>(expected);
        long[] size = {0};
        BiConsumer<byte[], byte[]> sink = (k, v) -> {
            keys.add(k);
            values.add(v);
            size[0] += v.length;
        };
        while (wide.tokens() + narrow.tokens() < tokens) {
            wide.next(sink);
            narrow.next(sink);
        }
        return new BenchEvents(name, keys, values, wide.tokens() + narrow.tokens(), wide.rollouts() + narrow.rollouts(), size[0]);
    }

    /** One fleet sending its prompt set round after round, a new round joining once the previous one has started its last rollout
     * and fewer than its concurrency are in flight. */
    private static final class Rounds {
        private static final int PROMPTS = 64;
        private final List<Deployment> deployments;
        private final int chunkSize;
        private final long seed;
        private final int concurrency;
        private final int topK;
        private final String prefix;
        private final EstimatorMode[] estimators;
        private final int samples;
        private final List<SimulatedFleet> fleets = new ArrayList<>();
        private final List<FleetCursor> all = new ArrayList<>();
        private final List<FleetCursor> live = new ArrayList<>();
        private int turn;

        Rounds(List<Deployment> deployments, int chunkSize, long seed, int concurrency, long tokens, int topK, String prefix,
               EstimatorMode... estimators) {
            this.deployments = deployments;
            this.chunkSize = chunkSize;
            this.seed = seed;
            this.concurrency = concurrency;
            this.topK = topK;
            this.prefix = prefix;
            this.estimators = estimators;
            // a quarter of this fleet's half of the budget per round, at about 40 tokens per rollout
            long perRound = tokens / 2 / 4 / 40;
            this.samples = (int) Math.max(1, Math.min(1_000_000, perRound / ((long) PROMPTS * deployments.size())));
        }

        void next(BiConsumer<byte[], byte[]> sink) {
            if (live.isEmpty() || (startedAll() && inFlight() < concurrency)) {
                SimulatedFleet.Builder b = SimulatedFleet.builder();
                for (Deployment d : deployments) {
                    b.stream(d.model(), d.release(), d.languageModel());
                }
                int round = fleets.size();
                SimulatedFleet f = b.seed(seed + 7919L * round)
                        .concurrency(concurrency)
                        .estimators(estimators)
                        .topK(topK)
                        .chunkSize(chunkSize)
                        .rolloutIdPrefix(prefix + Long.toHexString(seed) + "-r" + round + "-")
                        .promptSet(PROMPTS, samples)
                        .build();
                fleets.add(f);
                FleetCursor c = f.cursor();
                all.add(c);
                live.add(c);
            }
            while (!live.isEmpty()) {
                turn = (turn + 1) % live.size();
                if (live.get(turn).next(sink)) {
                    return;
                }
                live.remove(turn);
            }
        }

        /** The newest round has started its last rollout. */
        private boolean startedAll() {
            int last = fleets.size() - 1;
            return all.get(last).stats().rolloutsStarted() >= fleets.get(last).totalRollouts();
        }

        /** Rollouts started and not yet completed, over the rounds still sending. */
        private long inFlight() {
            long n = 0;
            for (FleetCursor c : live) {
                FleetStats st = c.stats();
                n += st.rolloutsStarted() - st.rolloutsCompleted();
            }
            return n;
        }

        long tokens() {
            return all.stream().mapToLong(c -> c.stats().tokens()).sum();
        }

        long rollouts() {
            return all.stream().mapToLong(c -> c.stats().rolloutsCompleted()).sum();
        }
    }

    /**
     * The benchmark fleet; prompt-set mode with enough samples per prompt for {@code tokens} tokens.
     */
    static SimulatedFleet fleet(EstimatorMode estimator, int chunkSize, long seed, int concurrency, long tokens) {
        int prompts = 64;
        long rolloutsNeeded = tokens / 20 + concurrency + 1;
        int samples = (int) Math.min(Integer.MAX_VALUE, rolloutsNeeded / ((long) prompts * deployments(seed).size()) + 1);
        return fleetBuilder(estimator, chunkSize, seed, concurrency).promptSet(prompts, samples).build();
    }

    private static SimulatedFleet.Builder fleetBuilder(EstimatorMode estimator, int chunkSize, long seed, int concurrency) {
        SimulatedFleet.Builder b = SimulatedFleet.builder();
        for (Deployment d : deployments(seed)) {
            b.stream(d.model(), d.release(), d.languageModel());
        }
        return b.seed(seed)
                .concurrency(concurrency)
                .estimator(estimator)
                .topK(20)
                .chunkSize(chunkSize)
                .rolloutIdPrefix("req-" + Long.toHexString(seed) + "-");
    }

    /** 2 models x 2 releases, a base-style and a tuned-style release of each. */
    static List<Deployment> deployments(long seed) {
        return List.of(
                new Deployment("sim-chat-8b", "base-2026-11-01", ModelStyles.base(seed, VOCABULARY)),
                new Deployment("sim-chat-8b", "ft-2026-11-20", ModelStyles.tuned(seed + 1, VOCABULARY)),
                new Deployment("sim-code-70b", "base-2026-10-15", ModelStyles.base(seed + 2, VOCABULARY)),
                new Deployment("sim-code-70b", "ft-2026-11-18", ModelStyles.tuned(seed + 3, VOCABULARY)));
    }
}
