package dev.canopy.benchmarks;

import dev.canopy.core.stats.Correlations;
import org.apache.commons.math3.stat.correlation.KendallsCorrelation;
import org.apache.commons.math3.stat.correlation.SpearmansCorrelation;
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

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * {@link Correlations#of}, the four coefficients of one prompt's pair sample that every emit computes
 * per accumulator, against the same statistics through commons-math's boxed Spearman and Kendall (what
 * {@code of} did before; the results are bit-identical). Pairs as the monitor sees them: x an integer
 * rollout length in [5, 400), so heavily tied, and y a random entropy rate. Time per call.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class CorrelationsBenchmark {

    @Param({"2048"})
    public int pairs;

    private double[] lengths;
    private double[] rates;

    @Setup
    public void setUp() {
        SplittableRandom rng = new SplittableRandom(7);
        lengths = new double[pairs];
        rates = new double[pairs];
        for (int i = 0; i < pairs; i++) {
            lengths[i] = 5 + rng.nextInt(395);
            rates[i] = 1.5 + rng.nextDouble();
        }
    }

    @Benchmark
    public Correlations.Coefficients primitive() {
        return Correlations.of(lengths, rates);
    }

    @Benchmark
    public Correlations.Coefficients commonsMath() {
        Correlations.Coefficients linear = Correlations.pearsonAndCovariance(lengths, rates);
        double spearman = clamp(new SpearmansCorrelation().correlation(lengths, rates));
        double kendall = clamp(new KendallsCorrelation().correlation(lengths, rates));
        return new Correlations.Coefficients(linear.pearson(), spearman, kendall, linear.covariance());
    }

    private static double clamp(double rho) {
        return Math.max(-1.0, Math.min(1.0, rho));
    }
}
