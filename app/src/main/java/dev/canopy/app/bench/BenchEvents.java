package dev.canopy.app.bench;

import dev.canopy.simulator.FleetCursor;
import dev.canopy.simulator.EstimatorMode;
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

    /**
     * The production-shape workload ({@link ProductionStream}) held in memory, until its records carry
     * {@code tokens} tokens.
     */
    static BenchEvents production(String name, int chunkSize, long tokens, long seed) {
        return production(name, chunkSize, tokens, seed, 0);
    }

    /** The same, for another phase: other rollouts of the same deployments, to send after the first. */
    static BenchEvents production(String name, int chunkSize, long tokens, long seed, int phase) {
        return production(name, chunkSize, tokens, seed, phase, false);
    }

    /** The same, with each token's made-up word in the records when {@code text}. */
    static BenchEvents production(String name, int chunkSize, long tokens, long seed, int phase, boolean text) {
        ProductionStream stream = new ProductionStream(chunkSize, tokens, seed, phase, text);
        int expected = (int) Math.min(Integer.MAX_VALUE - 8, tokens / chunkSize + 16);
        List<byte[]> keys = new ArrayList<>(expected);
        List<byte[]> values = new ArrayList<>(expected);
        long[] size = {0};
        BiConsumer<byte[], byte[]> sink = (k, v) -> {
            keys.add(k);
            values.add(v);
            size[0] += v.length;
        };
        while (stream.tokens() < tokens) {
            stream.next(sink);
        }
        return new BenchEvents(name, keys, values, stream.tokens(), stream.rollouts(), size[0]);
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
