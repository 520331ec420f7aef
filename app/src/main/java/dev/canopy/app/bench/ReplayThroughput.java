package dev.canopy.app.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import dev.canopy.core.replay.ReplayEngine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;

/**
 * The replay engine over a workload held in memory, on one thread (what {@code canopy replay} does
 * once the bytes are read), against the floor: Jackson's streaming parser reading the same bytes token
 * by token and nothing else. Each is run {@link #WARMUPS} times to compile, then {@link #RUNS} times;
 * the median run counts.
 */
final class ReplayThroughput {

    static final int WARMUPS = 2;
    static final int RUNS = 3;

    /** Median wall times of the two, over the same records. */
    record Result(double jacksonSeconds, double replaySeconds, long rollouts) {
    }

    private static final JsonFactory JACKSON = JsonFactory.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();

    private ReplayThroughput() {
    }

    static Result measure(List<byte[]> values) {
        byte[][] records = values.toArray(new byte[0][]);
        double[] jackson = new double[RUNS];
        double[] replay = new double[RUNS];
        long rollouts = 0;
        for (int i = 0; i < WARMUPS + RUNS; i++) {
            long t0 = System.nanoTime();
            long tokens = jacksonRead(records);
            long t1 = System.nanoTime();
            ReplayEngine engine = new ReplayEngine(ReplayEngine.Options.defaults());
            for (byte[] r : records) {
                engine.accept(r, 0, r.length);
            }
            long completed = engine.finish().groups().stream().mapToLong(g -> g.rollouts()).sum();
            long t2 = System.nanoTime();
            if (tokens == 0 || completed == 0) {
                throw new IllegalStateException("nothing was read");
            }
            if (i >= WARMUPS) {
                jackson[i - WARMUPS] = (t1 - t0) / 1e9;
                replay[i - WARMUPS] = (t2 - t1) / 1e9;
                rollouts = completed;
            }
        }
        return new Result(median(jackson), median(replay), rollouts);
    }

    /** Reads every record with Jackson's streaming parser, token by token; returns the JSON tokens seen. */
    static long jacksonRead(byte[][] records) {
        long tokens = 0;
        try {
            for (byte[] r : records) {
                try (JsonParser p = JACKSON.createParser(r)) {
                    while (p.nextToken() != null) {
                        tokens++;
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return tokens;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
