package dev.canopy.benchmarks;

import dev.canopy.core.assembly.CompletedRollout;
import dev.canopy.core.stats.GroupAccumulator;
import dev.canopy.core.stats.PairSample;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
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
 * {@link GroupAccumulator#add}: one completed rollout into its release's aggregate (prompt group,
 * all-rollouts group, co-moments, pair sample). One operation is one rollout. The accumulator lives for
 * the whole trial, so after warm-up the pair samples are full and most offers are the bottom-k
 * rejection, as in a long-running monitor. {@code prompts} is the number of prompt groups the rollouts
 * spread over (1: production traffic without prompt ids).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class AccumulateBenchmark {

    static final int ROLLOUTS = 1 << 16;

    @Param({"1", "64", "10000"})
    public int prompts;

    private CompletedRollout[] rollouts;
    private GroupAccumulator accumulator;

    @Setup
    public void setUp() {
        SplittableRandom rng = new SplittableRandom(5);
        String[] promptIds = new String[prompts];
        for (int p = 0; p < prompts; p++) {
            promptIds[p] = prompts == 1 ? "" : String.format(Locale.ROOT, "p-%05d", p);
        }
        rollouts = new CompletedRollout[ROLLOUTS];
        for (int i = 0; i < ROLLOUTS; i++) {
            int n = 1 + (int) (-35 * Math.log(1 - rng.nextDouble()));
            double h = n * (1.5 + rng.nextDouble());
            rollouts[i] = new CompletedRollout(Workloads.MODEL, Workloads.RELEASE, "req-7f3a-" + Integer.toHexString(i) + ":0",
                    promptIds[rng.nextInt(prompts)], n, h, h * 1.1, rng.nextInt(50) == 0 ? "length" : "stop", 0, 0, n,
                    1_764_000_000_000L + i, false);
        }
        accumulator = new GroupAccumulator(PairSample.DEFAULT_CAPACITY, GroupAccumulator.DEFAULT_MAX_PROMPTS);
    }

    @Benchmark
    @OperationsPerInvocation(ROLLOUTS)
    public long add() {
        for (CompletedRollout r : rollouts) {
            accumulator.add(r);
        }
        return accumulator.rollouts();
    }
}
