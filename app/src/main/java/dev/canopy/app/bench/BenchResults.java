package dev.canopy.app.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Everything one {@code canopy bench} run measured, the targets checked against it, and its two
 * renderings: a table for people and JSON for scripts (snake_case field names, rates per second,
 * latencies in milliseconds, sizes in bytes).
 */
final class BenchResults {

    /** Where the figures were taken; load averages are the 1-minute figure, sampled every 5 s during the run. */
    record Machine(int cores, long maxHeapBytes, String jdk, String os, double loadAverageStart, double loadAverageMean,
                   double loadAverageMax, int partitions, int streamThreads, String estimator, long tokensPerWorkload,
                   int pairCapacity) {
    }

    /**
     * One streaming stage over one workload; for the Kafka Streams stages, the CPU their stream threads spent per
     * record (null for the others, and where the JVM does not measure thread CPU time).
     */
    record Stage(String stage, String workload, long records, long tokens, double seconds, double recordsPerSecond,
                 double tokensPerSecond, Double streamThreadCpuMicrosPerRecord) {
        static Stage of(String stage, String workload, KafkaThroughput.Span s) {
            double cpu = s.cpuSeconds() * 1e6 / s.records();
            return new Stage(stage, workload, s.records(), s.tokens(), s.seconds(), s.records() / s.seconds(), s.tokens() / s.seconds(),
                    Double.isFinite(cpu) ? cpu : null);
        }

        /** The CPU per record, NaN when not measured. */
        double cpuMicros() {
            return streamThreadCpuMicrosPerRecord == null ? Double.NaN : streamThreadCpuMicrosPerRecord;
        }
    }

    /** The replay and the Jackson read over one in-memory workload. */
    record Replay(String workload, long records, long tokens, long bytes, long rollouts, double jacksonRecordsPerSecond,
                  double replayRecordsPerSecond, double replayTokensPerSecond, double replayMegabytesPerSecond,
                  double replayToJackson) {
        static Replay of(BenchEvents e, ReplayThroughput.Result r) {
            return new Replay(e.name(), e.records(), e.tokens(), e.bytes(), r.rollouts(), e.records() / r.jacksonSeconds(),
                    e.records() / r.replaySeconds(), e.tokens() / r.replaySeconds(), e.bytes() / r.replaySeconds() / 1e6,
                    r.jacksonSeconds() / r.replaySeconds());
        }
    }

    /** A target and whether this run met it. */
    record Target(String target, String required, String measured, boolean met) {
    }

    Machine machine;
    final List<Stage> stages = new ArrayList<>();
    final List<Replay> replay = new ArrayList<>();
    InFlightHeap.Result heap;
    final List<ReleaseState.Result> releaseState = new ArrayList<>();
    final List<ReportLatency.Result> latency = new ArrayList<>();
    SemanticCost.Result semantic;
    HistoryResult history;
    final List<Target> targets = new ArrayList<>();

    Stage stage(String stage, String workload) {
        return stages.stream().filter(s -> s.stage().equals(stage) && s.workload().equals(workload)).findFirst().orElse(null);
    }

    /** Checks the targets that this run's stages allow. */
    void evaluateTargets(String tokenWorkload, String chunkWorkload, String logprobWorkload) {
        targets.clear();
        Stage canopyToken = stage("canopy", tokenWorkload);
        Stage passToken = stage("pass-through", tokenWorkload);
        if (canopyToken != null && passToken != null) {
            double ratio = canopyToken.recordsPerSecond() / passToken.recordsPerSecond();
            targets.add(new Target("per-token path vs pass-through Kafka Streams app", ">= 0.80x", fmt("%.2fx", ratio), ratio >= 0.8));
        }
        Stage canopyChunk = stage("canopy", chunkWorkload);
        if (canopyChunk != null) {
            targets.add(new Target("chunked events through the topology", ">= 5M tokens/s",
                    rate(canopyChunk.tokensPerSecond()) + " tokens/s", canopyChunk.tokensPerSecond() >= 5e6));
        }
        for (Replay r : replay) {
            targets.add(new Target("replay (" + r.workload() + ") vs Jackson read-only", ">= 0.60x",
                    fmt("%.2fx", r.replayToJackson()), r.replayToJackson() >= 0.6));
            if (r.workload().equals(logprobWorkload)) {
                targets.add(new Target("replay, logprob-only events, one thread", ">= 1M events/s",
                        rate(r.replayRecordsPerSecond()) + " events/s", r.replayRecordsPerSecond() >= 1e6));
            }
        }
        if (heap != null) {
            targets.add(new Target(String.format(Locale.ROOT, "heap per in-flight rollout (%,d, in order)", heap.rollouts()),
                    "<= 256 B", fmt("%.0f B", heap.heapInOrder()), heap.heapInOrder() <= 256));
            targets.add(new Target(String.format(Locale.ROOT, "heap per in-flight rollout (%,d, one gap)", heap.rollouts()),
                    "<= 256 B", fmt("%.0f B", heap.heapOutOfOrder()), heap.heapOutOfOrder() <= 256));
        }
        for (ReportLatency.Result l : latency) {
            targets.add(new Target("p99 final event to /api/v1/report (" + l.workload() + ", exactly-once)", "< 2 s",
                    fmt("%.0f ms", l.p99()), l.p99() < 2000));
        }
    }

    /**
     * The targets of the production-shape workload, as ratios within this run: the topology against the
     * pass-through app on the same records (per-token) or tokens (chunks), and the pass-through app against
     * the raw read (kcat when it ran, else the Java consumer); with the history stage, its targets too
     * ({@link HistoryReport#targets}).
     */
    void evaluateProductionTargets(String tokenWorkload, String chunkWorkload) {
        targets.clear();
        for (String w : List.of(tokenWorkload, chunkWorkload)) {
            Stage canopy = stage("canopy", w);
            Stage pass = stage("pass-through", w);
            Stage raw = stage("kcat -C", w) != null ? stage("kcat -C", w) : stage("raw consumer", w);
            if (canopy != null && pass != null) {
                boolean perToken = w.equals(tokenWorkload);
                double ratio = perToken ? canopy.recordsPerSecond() / pass.recordsPerSecond() : canopy.tokensPerSecond() / pass.tokensPerSecond();
                double goal = perToken ? 0.8 : 0.5;
                targets.add(new Target("Canopy vs pass-through app (" + w + ")", fmt(">= %.2fx", goal), fmt("%.2fx", ratio), ratio >= goal));
            }
            if (pass != null && raw != null) {
                double ratio = pass.recordsPerSecond() / raw.recordsPerSecond();
                targets.add(new Target("pass-through app vs " + raw.stage() + " (" + w + ")", ">= 0.20x", fmt("%.2fx", ratio), ratio >= 0.2));
            }
        }
        if (history != null) {
            targets.addAll(HistoryReport.targets(history));
        }
    }

    void printTable(PrintStream out) {
        Machine m = machine;
        out.printf(Locale.ROOT, "canopy bench: %d cores, max heap %d MiB, %s, %s; load average %.2f at start, %.2f mean, %.2f max%n",
                m.cores(), m.maxHeapBytes() >> 20, m.jdk(), m.os(), m.loadAverageStart(), m.loadAverageMean(), m.loadAverageMax());
        out.printf(Locale.ROOT, "workloads: %s tokens each, estimator %s; %d partitions, %d stream thread(s), exactly_once_v2, pair capacity %d%n%n",
                rate(m.tokensPerWorkload()), m.estimator(), m.partitions(), m.streamThreads(), m.pairCapacity());
        if (!stages.isEmpty()) {
            out.println("Streaming throughput (embedded broker, same topic, one stage at a time)");
            out.printf(Locale.ROOT, "%-14s %-12s %10s %11s %8s %11s %11s %8s %10s %8s%n", "stage", "workload", "records", "tokens", "seconds",
                    "records/s", "tokens/s", "vs pass", "cpu us/rec", "cpu x");
            boolean cpuShown = false;
            for (Stage s : stages) {
                Stage pass = stage("pass-through", s.workload());
                double ratio = pass == null ? Double.NaN : s.recordsPerSecond() / pass.recordsPerSecond();
                String vs = Double.isFinite(ratio) ? fmt("%.2fx", ratio) : pass == null ? "" : "-";
                double cpu = s.cpuMicros();
                double cpuRatio = pass == null ? Double.NaN : cpu / pass.cpuMicros();
                cpuShown |= Double.isFinite(cpu);
                out.printf(Locale.ROOT, "%-14s %-12s %,10d %,11d %8.2f %11s %11s %8s %10s %8s%n", s.stage(), s.workload(), s.records(), s.tokens(),
                        s.seconds(), rate(s.recordsPerSecond()), rate(s.tokensPerSecond()), vs,
                        Double.isFinite(cpu) ? fmt("%.2f", cpu) : "", Double.isFinite(cpuRatio) ? fmt("%.2fx", cpuRatio) : "");
            }
            if (cpuShown) {
                out.println("(cpu: the Kafka Streams stages' stream threads, CPU time per record from the first record read; on a shared machine"
                        + " it moves less than the rates, so it is what compares two stages or two builds)");
            }
            out.println();
        }
        if (!replay.isEmpty()) {
            out.println("Replay, one thread, events in memory (median of " + ReplayThroughput.RUNS + " runs after " + ReplayThroughput.WARMUPS + " warm-ups)");
            out.printf(Locale.ROOT, "%-14s %10s %11s %10s %11s %11s %11s %8s %8s%n", "workload", "records", "tokens", "MB",
                    "jackson r/s", "replay r/s", "tokens/s", "MB/s", "ratio");
            for (Replay r : replay) {
                out.printf(Locale.ROOT, "%-14s %,10d %,11d %10.1f %11s %11s %11s %8.0f %7.2fx%n", r.workload(), r.records(), r.tokens(),
                        r.bytes() / 1e6, rate(r.jacksonRecordsPerSecond()), rate(r.replayRecordsPerSecond()), rate(r.replayTokensPerSecond()),
                        r.replayMegabytesPerSecond(), r.replayToJackson());
            }
            out.println();
        }
        if (heap != null) {
            out.printf(Locale.ROOT, "Memory per in-flight rollout (%,d concurrent, %d-character ids)%n", heap.rollouts(), heap.idLength());
            out.printf(Locale.ROOT, "%-46s %9s %9s%n", "", "in order", "one gap");
            out.printf(Locale.ROOT, "%-46s %8.0f B %8.0f B%n", "replay assembler: retained heap", heap.heapInOrder(), heap.heapOutOfOrder());
            out.printf(Locale.ROOT, "%-46s %8.0f B %8.0f B%n", "topology store: key + serialized state", heap.storeInOrder(), heap.storeOutOfOrder());
            out.println();
        }
        if (!releaseState.isEmpty()) {
            out.println("One release's aggregate with full pair samples (4,096 pairs per prompt group), rewritten in the store per rollout");
            out.printf(Locale.ROOT, "%-8s %10s %12s %12s %11s %11s %15s%n", "prompts", "rollouts", "serialized", "heap", "toBytes ms",
                    "fromBytes ms", "max rollouts/s");
            for (ReleaseState.Result r : releaseState) {
                out.printf(Locale.ROOT, "%-8d %,10d %10.2f MB %10.2f MB %11.2f %11.2f %15s%n", r.prompts(), r.rollouts(), r.serializedBytes() / 1e6,
                        r.heapBytes() / 1e6, r.toBytesMillis(), r.fromBytesMillis(), rate(r.maxRolloutsPerSecond()));
            }
            out.println();
        }
        if (!latency.isEmpty()) {
            out.println("Final event to /api/v1/report, exactly_once_v2 (whole monitor, steady traffic)");
            out.printf(Locale.ROOT, "%-14s %9s %10s %8s %8s %8s %8s %10s%n", "workload", "rollouts", "tokens/s", "p50 ms", "p90 ms", "p99 ms",
                    "max ms", "report ms");
            for (ReportLatency.Result l : latency) {
                out.printf(Locale.ROOT, "%-14s %,9d %10s %8.0f %8.0f %8.0f %8.0f %10.1f%n", l.workload(), l.rollouts(), rate(l.tokensPerSecond()),
                        l.p50(), l.p90(), l.p99(), l.max(), l.reportMillisP50());
            }
            out.println();
        }
        if (semantic != null) {
            printSemantic(out, semantic);
        }
        if (history != null) {
            HistoryReport.print(out, history);
        }
        if (!targets.isEmpty()) {
            out.println("Targets");
            for (Target t : targets) {
                out.printf(Locale.ROOT, "%-4s %-62s %-16s %s%n", t.met() ? "ok" : "MISS", t.target(), t.required(), t.measured());
            }
        }
    }

    void printJson(PrintStream out) throws java.io.IOException {
        ObjectMapper mapper = new ObjectMapper()
                .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .enable(SerializationFeature.INDENT_OUTPUT);
        java.util.Map<String, Object> root = new java.util.LinkedHashMap<>();
        root.put("machine", machine);
        root.put("streaming", stages);
        root.put("replay", replay);
        root.put("in_flight_rollout_bytes", heap);
        root.put("release_aggregate", releaseState);
        root.put("report_latency_ms", latency);
        root.put("semantic", semantic);
        root.put("history", history);
        root.put("targets", targets);
        out.println(mapper.writeValueAsString(root));
    }

    private static void printSemantic(PrintStream out, SemanticCost.Result r) {
        if (!r.embedding.isEmpty()) {
            out.printf(Locale.ROOT, "Semantic diversity: the embedding model alone (quantized all-MiniLM-L6-v2 in the JVM, loaded in %.2f s),"
                    + " called by one thread; latency per call%n", r.modelLoadSeconds);
            out.printf(Locale.ROOT, "%-10s %6s %9s %13s %8s %8s %11s %6s%n", "texts", "words", "per call", "embeddings/s", "p50 ms",
                    "p95 ms", "CPU ms each", "cores");
            for (EmbeddingThroughput.Result e : r.embedding) {
                out.printf(Locale.ROOT, "%-10s %6.1f %9d %13.1f %8.2f %8.2f %11.2f %6.2f%n", e.texts(), e.meanWords(), e.batch(), e.perSecond(),
                        e.callMillis().p50(), e.callMillis().p95(), e.cpuMillisPerText(), e.cores());
            }
        }
        if (r.state != null) {
            out.printf(Locale.ROOT, "A full prompt sample (%d rollouts, %d floats each): %,d B serialized, %,.0f B per kept rollout%n",
                    r.state.perPrompt(), r.state.dimension(), r.state.sampleBytes(), r.state.bytesPerRollout());
        }
        out.println();
        if (!r.streaming.isEmpty()) {
            SemanticCost.Run first = r.streaming.get(0);
            out.printf(Locale.ROOT, "Semantic diversity in the topology (%s records: %s tokens, %,d rollouts; %d prompt groups,"
                    + " %,d rollouts each; same topic, one run at a time)%n", r.workload, rate(first.tokens()), first.rollouts(), r.promptGroups,
                    r.rolloutsPerPromptGroup);
            out.printf(Locale.ROOT, "%-10s %8s %10s %10s %7s %9s %11s %8s %11s %8s %8s %7s%n", "semantic", "seconds", "rollouts/s", "tokens/s",
                    "vs off", "embedded", "not sampled", "waiting", "over budget", "emb p50", "emb p95", "embed%");
            for (SemanticCost.Run run : r.streaming) {
                String counts = run.counts() == null ? fmt("%9s %11s %8s %11s", "", "", "", "")
                        : fmt("%,9d %,11d %,8d %,11d", run.counts().embedded(), run.counts().notSampled(), run.waiting(), run.counts().overBudget());
                String embed = run.embedMillis() == null ? fmt("%8s %8s %7s", "", "", "")
                        : fmt("%5.1f ms %5.1f ms %6.0f%%", run.embedMillis().p50(), run.embedMillis().p95(), 100 * run.embeddingShare());
                out.printf(Locale.ROOT, "%-10s %8.2f %10s %10s %6.2fx %s %s%n", run.semantic(), run.seconds(), rate(run.rolloutsPerSecond()),
                        rate(run.tokensPerSecond()), run.vsOff(), counts, embed);
            }
            for (SemanticCost.Run run : r.streaming) {
                if (run.counts() != null && run.counts().embedded() > 1) {
                    out.printf(Locale.ROOT, "kept (%s): %,d rollouts in %,d prompts; %,.0f B of store per kept rollout (samples and prompt metrics, keys included)%n",
                            run.semantic(), run.keptRollouts(), run.keptPrompts(), run.storeBytesPerKeptRollout());
                }
            }
            out.println();
        }
    }

    /** 1234567 -> "1.23M"; "-" for a rate over a span too short to time (a small workload read within one clock tick). */
    static String rate(double v) {
        if (!Double.isFinite(v)) {
            return "-";
        }
        if (v >= 1e6) {
            return fmt("%.2fM", v / 1e6);
        }
        if (v >= 1e3) {
            return fmt("%.1fk", v / 1e3);
        }
        return fmt("%.0f", v);
    }

    static String fmt(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }
}
