package dev.canopy.benchmarks;

import dev.canopy.core.entropy.StepEntropy;
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
import org.openjdk.jmh.infra.Blackhole;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The top-k step entropy: the renormalised estimate ({@link StepEntropy#topK}) and the upper bound
 * ({@link StepEntropy#topKUpperBound}) that the parser computes for every {@code top_logprobs} step.
 * One operation is one step. Inputs: the k largest log-probabilities, descending, of random
 * distributions over 32,000 tokens with a Zipf-like head, as a server would report them.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class StepEntropyBenchmark {

    static final int STEPS = 1024;

    @Param({"5", "20", "100"})
    public int k;

    private double[][] steps;

    @Setup
    public void setUp() {
        SplittableRandom rng = new SplittableRandom(11);
        steps = new double[STEPS][];
        for (int s = 0; s < STEPS; s++) {
            double[] w = new double[32_000];
            double total = 0;
            for (int j = 0; j < w.length; j++) {
                w[j] = rng.nextDouble() / Math.pow(j + 1, 1.1 + rng.nextDouble());
                total += w[j];
            }
            Arrays.sort(w);
            double[] top = new double[k];
            for (int j = 0; j < k; j++) {
                top[j] = Math.log(w[w.length - 1 - j] / total);
            }
            steps[s] = top;
        }
    }

    @Benchmark
    @OperationsPerInvocation(STEPS)
    public void renormalised(Blackhole bh) {
        for (double[] top : steps) {
            bh.consume(StepEntropy.topK(top, k));
        }
    }

    @Benchmark
    @OperationsPerInvocation(STEPS)
    public void renormalisedAndUpperBound(Blackhole bh) {
        for (double[] top : steps) {
            double h = StepEntropy.topK(top, k);
            bh.consume(StepEntropy.topKUpperBound(top, k, h, StepEntropy.DEFAULT_VOCABULARY_SIZE));
        }
    }

    @Benchmark
    @OperationsPerInvocation(STEPS)
    public void fusedWithUpperBound(Blackhole bh) {
        double[] out = new double[2];
        for (double[] top : steps) {
            StepEntropy.topKWithUpperBound(top, k, StepEntropy.DEFAULT_VOCABULARY_SIZE, out);
            bh.consume(out[1]);
        }
    }
}
