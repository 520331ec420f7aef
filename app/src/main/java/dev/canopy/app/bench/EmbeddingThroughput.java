package dev.canopy.app.bench;

import dev.canopy.semantic.Embedder;
import dev.canopy.simulator.SampledRollout;
import dev.canopy.simulator.SampledStep;
import dev.canopy.simulator.TokenText;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * What one sentence embedding costs: the embedder called by one thread, as the topology's stream thread
 * calls it (one text a call), over rollout texts of the benchmark fleet, after a warm-up; and, for
 * comparison, the same texts {@link #BATCH} to a call. Latency is per call, CPU is the whole process's
 * (ONNX Runtime's native threads included) over the measured span, divided by the embeddings made.
 *
 * <p>Texts are the made-up words of simulated rollouts ({@link TokenText}; nearly every word is one word
 * piece of the model's tokenizer): "short" are whole rollouts of the fleet's models (about 33 tokens),
 * "long" are consecutive rollouts of one model joined to exactly {@link #LONG_WORDS} words, the length
 * of a real chat answer.
 */
final class EmbeddingThroughput {

    /** Texts per call in the batched measurement. */
    static final int BATCH = 32;

    /** Words of a "long" text. */
    static final int LONG_WORDS = 250;

    /** Rollout texts of one kind, with their mean length in words (tokens that carry text; EOS carries none). */
    record Texts(String name, List<String> texts, double meanWords) {
    }

    /**
     * One measurement.
     *
     * @param batch             texts per call
     * @param perSecond         embeddings per second of wall time
     * @param callMillis        latency of one call, in milliseconds
     * @param cpuMillisPerText  process CPU time per embedding, in milliseconds
     * @param cores             process CPU time over wall time: how many cores the embedder kept busy
     */
    record Result(String texts, double meanWords, int batch, long embeddings, double seconds, double perSecond,
                  Distribution callMillis, double cpuMillisPerText, double cores) {
    }

    private EmbeddingThroughput() {
    }

    /** {@code n} whole rollout texts, the fleet's deployments taken in turn. */
    static Texts shortTexts(long seed, int n) {
        List<BenchEvents.Deployment> models = BenchEvents.deployments(seed);
        SplittableRandom rng = new SplittableRandom(seed ^ 0x5E3A47L);
        List<String> texts = new ArrayList<>(n);
        long words = 0;
        for (int i = 0; i < n; i++) {
            SampledRollout r = models.get(i % models.size()).languageModel().sample(rng, 256);
            StringBuilder sb = new StringBuilder();
            words += append(r, sb, Integer.MAX_VALUE);
            texts.add(sb.toString());
        }
        return new Texts("short", texts, (double) words / n);
    }

    /** {@code n} texts of exactly {@code words} words, each from consecutive rollouts of one deployment. */
    static Texts longTexts(long seed, int n, int words) {
        List<BenchEvents.Deployment> models = BenchEvents.deployments(seed);
        SplittableRandom rng = new SplittableRandom(seed ^ 0x10A6L);
        List<String> texts = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            BenchEvents.Deployment d = models.get(i % models.size());
            StringBuilder sb = new StringBuilder();
            int have = 0;
            while (have < words) {
                have += append(d.languageModel().sample(rng, 256), sb, words - have);
            }
            texts.add(sb.toString());
        }
        return new Texts(words + " words", texts, words);
    }

    /** Appends at most {@code max} words of the rollout's text; returns how many it appended. */
    private static int append(SampledRollout r, StringBuilder sb, int max) {
        int added = 0;
        for (SampledStep step : r.steps()) {
            if (added == max) {
                break;
            }
            String piece = TokenText.piece(step.token(), BenchEvents.VOCABULARY);
            if (!piece.isEmpty()) {
                sb.append(piece);
                added++;
            }
        }
        return added;
    }

    /**
     * Calls the embedder with {@code batch} texts at a time, cycling through them: for {@code warmup}, then
     * for {@code measure} (at least 3 calls), timing each call.
     */
    static Result measure(Embedder embedder, Texts texts, int batch, Duration warmup, Duration measure) {
        List<String> all = texts.texts();
        if (all.size() < batch) {
            throw new IllegalArgumentException("need at least " + batch + " texts, got " + all.size());
        }
        int[] next = {0};
        long end = System.nanoTime() + warmup.toNanos();
        while (System.nanoTime() < end) {
            embedder.embed(slice(all, next, batch));
        }
        List<Double> calls = new ArrayList<>();
        long cpu0 = processCpuNanos();
        long t0 = System.nanoTime();
        end = t0 + measure.toNanos();
        long t = t0;
        while (t < end || calls.size() < 3) {
            List<String> in = slice(all, next, batch);
            embedder.embed(in);
            long now = System.nanoTime();
            calls.add((now - t) / 1e6);
            t = now;
        }
        long cpu1 = processCpuNanos();
        double seconds = (t - t0) / 1e9;
        long embeddings = (long) calls.size() * batch;
        double[] millis = calls.stream().mapToDouble(Double::doubleValue).toArray();
        double cpuSeconds = cpu0 < 0 || cpu1 < 0 ? Double.NaN : (cpu1 - cpu0) / 1e9;
        return new Result(texts.name(), texts.meanWords(), batch, embeddings, seconds, embeddings / seconds,
                Distribution.of(millis), cpuSeconds * 1000 / embeddings, cpuSeconds / seconds);
    }

    private static List<String> slice(List<String> all, int[] next, int n) {
        if (next[0] + n > all.size()) {
            next[0] = 0;
        }
        List<String> out = all.subList(next[0], next[0] + n);
        next[0] += n;
        return out;
    }

    /** CPU time of the whole process in nanoseconds, or -1 where the JVM does not say. */
    static long processCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return -1;
    }
}
