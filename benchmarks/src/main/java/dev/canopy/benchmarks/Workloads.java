package dev.canopy.benchmarks;

import dev.canopy.core.events.EventParser;
import dev.canopy.core.events.ParseResult;
import dev.canopy.core.events.TokenRecord;
import dev.canopy.simulator.EstimatorMode;
import dev.canopy.simulator.ModelStyles;
import dev.canopy.simulator.SimulatedFleet;

import java.util.ArrayList;
import java.util.List;

/**
 * The inputs every benchmark draws from: contract-v1 records of the simulator's base chat model
 * (48-token vocabulary, rollouts of about 35 tokens), in the four shapes the hot path sees.
 * Deterministic: the same form always yields the same bytes.
 */
public final class Workloads {

    /** The record shapes measured. */
    public enum Form {
        /** per-token records with only {@code logprob} (surprisal), the cheapest valid record */
        LOGPROB(EstimatorMode.SURPRISAL, 1),
        /** per-token records with {@code top_logprobs} of 20 candidates */
        TOPK20(EstimatorMode.TOPK, 1),
        /** per-token records with an exact {@code entropy} */
        EXACT(EstimatorMode.EXACT, 1),
        /** chunk records of 32 logprob-only tokens */
        CHUNK32(EstimatorMode.SURPRISAL, 32);

        final EstimatorMode estimator;
        final int chunkSize;

        Form(EstimatorMode estimator, int chunkSize) {
            this.estimator = estimator;
            this.chunkSize = chunkSize;
        }
    }

    static final String MODEL = "llama-3.1-8b-chat";
    static final String RELEASE = "ft-2026-11-20";

    private Workloads() {
    }

    /**
     * {@code records} record values of the given form from {@code concurrency} interleaved rollouts;
     * {@code shuffleWindow} above 1 delivers positions out of order.
     */
    static List<byte[]> records(Form form, int records, int concurrency, int shuffleWindow) {
        SimulatedFleet fleet = SimulatedFleet.builder()
                .stream(MODEL, RELEASE, ModelStyles.base(7, 48))
                .seed(7)
                .promptSet(64, Math.max(1, (int) ((long) records * form.chunkSize / 64 / 8) + concurrency / 64 + 1))
                .concurrency(concurrency)
                .estimator(form.estimator)
                .topK(20)
                .chunkSize(form.chunkSize)
                .shuffleWindow(shuffleWindow)
                .timestamps(1_764_000_000_000L, 1)
                .rolloutIdPrefix("req-7f3a-")
                .build();
        List<byte[]> out = new ArrayList<>(records);
        fleet.emit((key, value) -> out.add(value), records);
        if (out.size() < records) {
            throw new IllegalStateException("the fleet ended after " + out.size() + " records");
        }
        return out;
    }

    /** The records parsed (all are valid). */
    static List<TokenRecord> parsed(List<byte[]> values) {
        EventParser parser = new EventParser();
        List<TokenRecord> out = new ArrayList<>(values.size());
        for (byte[] v : values) {
            ParseResult r = parser.parse(v);
            if (!r.isAccepted()) {
                throw new IllegalStateException("simulated record rejected: " + r.reason());
            }
            out.add(r.record());
        }
        return out;
    }
}
