package dev.canopy.app.bench;

import dev.canopy.simulator.Estimator;
import dev.canopy.simulator.FleetStats;
import dev.canopy.simulator.ModelStyles;
import dev.canopy.simulator.SimulatedFleet;

import java.util.ArrayList;
import java.util.List;

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
    static BenchEvents generate(String name, Estimator estimator, int chunkSize, long tokens, long seed) {
        SimulatedFleet fleet = fleet(estimator, chunkSize, seed, CONCURRENCY, tokens);
        SimulatedFleet.Cursor cursor = fleet.cursor();
        int expected = (int) Math.min(Integer.MAX_VALUE - 8, tokens / chunkSize + 16);
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
     * The benchmark fleet; prompt-set mode with enough samples per prompt for {@code tokens} tokens.
     */
    static SimulatedFleet fleet(Estimator estimator, int chunkSize, long seed, int concurrency, long tokens) {
        int prompts = 64;
        int streams = 4;
        long rolloutsNeeded = tokens / 20 + concurrency + 1;
        int samples = (int) Math.min(Integer.MAX_VALUE, rolloutsNeeded / (prompts * streams) + 1);
        return SimulatedFleet.builder()
                .stream("sim-chat-8b", "base-2026-11-01", ModelStyles.base(seed, 48))
                .stream("sim-chat-8b", "ft-2026-11-20", ModelStyles.tuned(seed + 1, 48))
                .stream("sim-code-70b", "base-2026-10-15", ModelStyles.base(seed + 2, 48))
                .stream("sim-code-70b", "ft-2026-11-18", ModelStyles.tuned(seed + 3, 48))
                .seed(seed)
                .promptSet(prompts, samples)
                .concurrency(concurrency)
                .estimator(estimator)
                .topK(20)
                .chunkSize(chunkSize)
                .rolloutIdPrefix("req-" + Long.toHexString(seed) + "-")
                .build();
    }
}
