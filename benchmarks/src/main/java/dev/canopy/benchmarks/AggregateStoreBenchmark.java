package dev.canopy.benchmarks;

import dev.canopy.core.assembly.CompletedRollout;
import dev.canopy.core.stats.GroupAccumulator;
import dev.canopy.core.stats.PairSample;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The store round trip the streaming aggregate pays per completed rollout: {@link GroupAccumulator#toBytes}
 * of the release's cumulative value (and, for its one-minute slice, {@link GroupAccumulator#fromBytes} and
 * toBytes again). Measured on a release whose prompt groups all hold a full pair sample (4,096 pairs), the
 * steady state of a long-running monitor. Time per call; the serialized size grows with prompts x 4,096 x 20 B.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class AggregateStoreBenchmark {

    @Param({"1", "16", "64"})
    public int prompts;

    private GroupAccumulator full;
    private byte[] bytes;

    @Setup
    public void setUp() {
        full = new GroupAccumulator(PairSample.DEFAULT_CAPACITY, GroupAccumulator.DEFAULT_MAX_PROMPTS);
        SplittableRandom rng = new SplittableRandom(3);
        for (int p = 0; p < prompts; p++) {
            String prompt = prompts == 1 ? "" : String.format(Locale.ROOT, "p-%03d", p);
            for (int i = 0; i < PairSample.DEFAULT_CAPACITY * 5 / 4; i++) {
                int n = 1 + (int) (-35 * Math.log(1 - rng.nextDouble()));
                double h = n * (1.5 + rng.nextDouble());
                full.add(new CompletedRollout(Workloads.MODEL, Workloads.RELEASE, "req-" + p + "-" + i + ":0", prompt, n, h, h * 1.1,
                        "stop", 0, 0, n, 1_764_000_000_000L + i, false));
            }
        }
        bytes = full.toBytes();
    }

    @Benchmark
    public byte[] toBytes() {
        return full.toBytes();
    }

    @Benchmark
    public GroupAccumulator fromBytes() {
        return GroupAccumulator.fromBytes(bytes);
    }
}
