package dev.canopy.app.bench;

import dev.canopy.core.UserError;
import dev.canopy.monitor.Durations;
import dev.canopy.monitor.MonitorSettings;
import dev.canopy.broker.EmbeddedKafkaBroker;
import dev.canopy.simulator.EstimatorMode;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code canopy bench}: what the monitor costs, measured in one run on this machine. Side by side on an
 * embedded broker and the same input topic: a plain consumer, a stateless pass-through Kafka Streams app
 * and the Canopy topology (both with exactly_once_v2), for per-token and chunk records; the replay on one
 * thread against Jackson merely reading the same bytes; the memory of an in-flight rollout; and the
 * latency from a rollout's final event to its effect on {@code /api/v1/report}. Checks the targets of
 * BENCHMARKS.md. Progress goes to stderr, the table (or {@code --json}) to stdout. The "semantic" stage
 * (what semantic diversity costs, {@link SemanticCost}) runs only when {@code --stages} names it.
 *
 * <p>{@code --workload production} runs on traffic shaped like a serving fleet's ({@link ProductionStream}):
 * the streaming stage ({@link StreamingStage}, with {@code kcat -C} as the native floor), the history stage
 * ({@link HistoryRun}: the monitor in a JVM of its own over {@code --history} rollouts, its rate, memory,
 * changelog bytes and recovery after SIGKILL), and the semantic stage on the same traffic when named.
 * Every result carries the machine's load average ({@link LoadSampler}).
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measures what the monitor costs on this machine.",
                "Streaming throughput beside a raw consumer and a pass-through Kafka Streams app (embedded",
                "broker, exactly-once), replay throughput beside a bare Jackson read,",
                "memory per in-flight rollout, and the latency from a rollout's final",
                "event to /api/v1/report. Checks the targets of BENCHMARKS.md.",
                "About 5 minutes with the defaults. Progress on stderr, results on stdout.",
                "--stages semantic (not in the defaults) measures what semantic diversity costs."})
public final class BenchCommand implements Callable<Integer> {

    private static final List<String> ALL_STAGES = List.of("memory", "replay", "streaming", "latency", "semantic", "history");

    /** What runs without --stages: semantic diversity is off by default in the monitor, and its stage adds over a minute. */
    private static final List<String> DEFAULT_STAGES = List.of("memory", "replay", "streaming", "latency");

    /** The stages that run on the production-shape workload. */
    private static final Set<String> PRODUCTION_STAGES = Set.of("streaming", "history", "semantic");

    /** The fewest rollouts of history: past the first window's 10,000, with room for a second. */
    private static final long MIN_HISTORY = 20_000;

    /** The fewest per-token records of a history window: fewer measure start-up more than the rate. */
    private static final long MIN_WINDOW_EVENTS = 10_000;

    /** The largest record size --max-record-mb accepts. */
    private static final int MAX_RECORD_MB = 1024;

    /** MiB to bytes. */
    private static final int MIB_SHIFT = 20;

    @Option(names = "--events", defaultValue = "1000000", paramLabel = "N",
            description = "Token events per workload: N per-token records, or the same tokens in chunk records (default: ${DEFAULT-VALUE}).")
    long events;

    @Option(names = "--workload", defaultValue = "standard", paramLabel = "standard|production",
            description = {"standard: one fleet of 4 releases, 1,024 rollouts in flight, the --estimator field.",
                    "production: traffic shaped like a fleet: 8 releases of 4 models, 64 prompts each, 2,500 rollouts in flight,",
                    "top-20 and top-5 top_logprobs, exact entropies, logprob-only and mixed events; the streaming stage (also",
                    "kcat -C when it is on the PATH) and the history stage (see --history) (default: ${DEFAULT-VALUE})."})
    String workload;

    @Option(names = "--history", defaultValue = "1000000", paramLabel = "ROLLOUTS",
            description = {"production: completed rollouts of history (chunk records, streamed) before the second per-token window;",
                    "the first comes after 10,000. The monitor runs in a JVM of its own with -Xmx1g (default: ${DEFAULT-VALUE})."})
    long history;

    @Option(names = "--window-events", defaultValue = "300000", paramLabel = "N",
            description = "production: per-token records in each measured window of the history stage (default: ${DEFAULT-VALUE}).")
    long windowEvents;

    @Option(names = "--monitor-heap", defaultValue = MonitorProcess.LAUNCHER_HEAP, paramLabel = "SIZE",
            description = "history: the monitor JVMs' -Xmx, e.g. 640m (default: ${DEFAULT-VALUE}, as the launcher sets it).")
    String monitorHeap;

    @Option(names = "--max-record-mb", defaultValue = "0", paramLabel = "MIB",
            description = {"history: raise the embedded broker's message.max.bytes and the monitor's max.request.size to MIB",
                    "(0: Kafka's 1 MiB defaults), for histories whose per-release aggregates outgrow one record (default: ${DEFAULT-VALUE})."})
    int maxRecordMb;

    @Option(names = "--form", paramLabel = "token|chunk", description = "Only this record form (default: both).")
    String form;

    @Option(names = "--json", description = "Print the figures as JSON instead of a table.")
    boolean json;

    @Option(names = "--chunk-size", defaultValue = "32", description = "Tokens per chunk record (default: ${DEFAULT-VALUE}).")
    int chunkSize;

    @Option(names = "--estimator", defaultValue = "SURPRISAL",
            description = "Entropy field of the streamed events: SURPRISAL (logprob only), TOPK (20), EXACT or MIXED (default: ${DEFAULT-VALUE}).")
    EstimatorMode estimator;

    @Option(names = "--partitions", defaultValue = "6", description = "Partitions of the input and output topics (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--threads", defaultValue = "1", description = "Kafka Streams threads of the pass-through app and the monitor (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--pair-capacity", defaultValue = "4096", paramLabel = "K",
            description = "canopy.pair.capacity of the monitor under test; 2 shows the topology without the cost of its pair samples (default: ${DEFAULT-VALUE}).")
    int pairCapacity;

    @Option(names = "--in-flight", defaultValue = "100000", paramLabel = "N",
            description = "Concurrent rollouts for the memory measurement (default: ${DEFAULT-VALUE}).")
    int inFlight;

    @Option(names = "--latency-rate", defaultValue = "3000", paramLabel = "TOKENS_PER_S",
            description = "Steady traffic of the latency run, in tokens per second (default: ${DEFAULT-VALUE}).")
    double latencyRate;

    @Option(names = "--latency-duration", defaultValue = "30s", converter = Durations.Converter.class,
            description = "Measured length of each latency run, after a 5 s warm-up (default: ${DEFAULT-VALUE}).")
    Duration latencyDuration;

    @Option(names = "--stages", split = ",", paramLabel = "STAGE",
            description = {"Only these of memory, replay, streaming, latency, semantic (default: memory,replay,streaming,latency);",
                    "with --workload production: streaming, history (default: both), semantic (on the same traffic, with text).",
                    "semantic (what semantic diversity costs: the embedding model alone and the topology with it off and on) runs only when named; about 100 s."})
    List<String> stages;

    @Option(names = "--semantic-events", defaultValue = "400000", paramLabel = "N",
            description = "Tokens of the semantic stage's workload, events with text and 8 prompts per release (default: ${DEFAULT-VALUE}).")
    long semanticEvents;

    @Option(names = "--plot", paramLabel = "FILE", description = "Also draw tokens/s by stage as a PNG chart.")
    Path plot;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the simulated fleet (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws Exception {
        Set<String> run = validate();
        quietLogs();
        PrintStream err = System.err;
        LoadSampler load = new LoadSampler();
        BenchResults results = new BenchResults();
        boolean token = form == null || form.equals("token");
        boolean chunk = form == null || form.equals("chunk");
        boolean production = workload.equals("production");
        String tokenName = production ? "prod-token" : "token";
        String chunkName = (production ? "prod-chunk" : "chunk") + chunkSize;
        String logprobName = estimator == EstimatorMode.SURPRISAL ? tokenName : "token-logprob";
        Path stateRoot = Files.createTempDirectory("canopy-bench-state");
        try {
            if (run.contains("memory")) {
                err.printf(Locale.ROOT, "canopy bench: memory of %,d in-flight rollouts...%n", inFlight);
                results.heap = InFlightHeap.measure(inFlight);
                err.println("canopy bench: size and serialization time of a release's aggregate at full pair samples...");
                results.releaseState.addAll(ReleaseState.measure());
            }
            List<BenchEvents> workloads = new ArrayList<>();
            if (run.contains("replay") || run.contains("streaming")) {
                err.printf(Locale.ROOT, "canopy bench: generating %,d tokens of simulated events per workload...%n", events);
                if (token) {
                    workloads.add(production ? BenchEvents.production(tokenName, 1, events, seed)
                            : BenchEvents.generate(tokenName, estimator, 1, events, seed));
                }
                if (chunk) {
                    workloads.add(production ? BenchEvents.production(chunkName, chunkSize, events, seed)
                            : BenchEvents.generate(chunkName, estimator, chunkSize, events, seed));
                }
            }
            if (run.contains("replay")) {
                List<BenchEvents> replayed = new ArrayList<>(workloads);
                if (token) {
                    long extra = Math.min(events, 300_000);
                    for (EstimatorMode e : new EstimatorMode[] {EstimatorMode.SURPRISAL, EstimatorMode.TOPK, EstimatorMode.EXACT}) {
                        if (e != estimator) {
                            replayed.add(BenchEvents.generate(tokenName + "-" + extraName(e), e, 1, extra, seed));
                        }
                    }
                }
                for (BenchEvents w : replayed) {
                    err.printf(Locale.ROOT, "canopy bench: replay of %s (%,d records)...%n", w.name(), w.records());
                    results.replay.add(BenchResults.Replay.of(w, ReplayThroughput.measure(w.values())));
                }
            }
            if (run.contains("streaming") || run.contains("latency") || run.contains("semantic") || run.contains("history")) {
                err.println("canopy bench: starting an embedded Kafka broker...");
                EmbeddedKafkaBroker.Builder brokerBuilder = EmbeddedKafkaBroker.builder();
                if (maxRecordMb > 0) {
                    brokerBuilder.property("message.max.bytes", Integer.toString(maxRecordMb << MIB_SHIFT));
                }
                try (EmbeddedKafkaBroker broker = brokerBuilder.start()) {
                    KafkaThroughput kafka = new KafkaThroughput(broker.bootstrapServers(), stateRoot, partitions, threads, pairCapacity, err);
                    if (run.contains("streaming")) {
                        List<MonitorSettings> settings = new ArrayList<>();
                        for (BenchEvents w : workloads) {
                            settings.add(kafka.settings("bench." + w.name(), "canopy-bench-" + w.name()));
                        }
                        for (int i = 0; i < workloads.size(); i++) {
                            StreamingStage.run(kafka, workloads.get(i), settings.get(i), results, err, production);
                        }
                    }
                    if (run.contains("latency")) {
                        ReportLatency latency = new ReportLatency(kafka, broker.bootstrapServers(), err);
                        Duration warmup = Duration.ofSeconds(5);
                        if (token) {
                            err.printf(Locale.ROOT, "canopy bench: latency, per-token records at %s tokens/s for %d s...%n",
                                    BenchResults.rate(latencyRate), latencyDuration.toSeconds() + warmup.toSeconds());
                            results.latency.add(latency.measure(tokenName, estimator, 1, latencyRate, latencyDuration, warmup, seed + 1));
                        }
                        if (chunk) {
                            err.printf(Locale.ROOT, "canopy bench: latency, chunk records at %s tokens/s for %d s...%n",
                                    BenchResults.rate(latencyRate), latencyDuration.toSeconds() + warmup.toSeconds());
                            results.latency.add(latency.measure(chunkName, estimator, chunkSize, latencyRate, latencyDuration, warmup, seed + 2));
                        }
                    }
                    if (run.contains("semantic")) {
                        semantic(kafka, results, err);
                    }
                    if (run.contains("history")) {
                        err.printf(Locale.ROOT, "canopy bench: history: %,d rollouts of chunk records (%d tokens each), per-token windows of %,d records...%n",
                                history, chunkSize, windowEvents);
                        results.history = new HistoryRun(kafka, chunkSize, seed, history, windowEvents, maxRecordMb, monitorHeap, err).run();
                    }
                }
            }
        } finally {
            load.close();
            BenchFiles.deleteQuietly(stateRoot);
        }
        results.machine = machine(load);
        if (production) {
            results.evaluateProductionTargets(tokenName, chunkName);
        } else {
            results.evaluateTargets(tokenName, chunkName, logprobName);
        }
        if (json) {
            results.printJson(System.out);
        } else {
            results.printTable(System.out);
        }
        if (plot != null) {
            ThroughputChart.write(results, plot, String.format(Locale.ROOT, "%d cores, %s, %s tokens per workload, %d partitions, exactly_once_v2",
                    results.machine.cores(), results.machine.jdk(), BenchResults.rate(events), partitions));
            err.println("canopy bench: chart written to " + plot);
        }
        return 0;
    }

    private Set<String> validate() {
        if (events < 10_000) {
            throw new UserError("--events must be at least 10000, got " + events);
        }
        if (!workload.equals("standard") && !workload.equals("production")) {
            throw new UserError("--workload must be standard or production, got '" + workload + "'");
        }
        if (form != null && !form.equals("token") && !form.equals("chunk")) {
            throw new UserError("--form must be token or chunk, got '" + form + "'");
        }
        if (chunkSize < 2 || chunkSize > 4096) {
            throw new UserError("--chunk-size must be between 2 and 4096, got " + chunkSize);
        }
        if (pairCapacity < 2) {
            throw new UserError("--pair-capacity must be at least 2, got " + pairCapacity);
        }
        if (partitions < 1 || threads < 1) {
            throw new UserError("--partitions and --threads must be at least 1");
        }
        if (semanticEvents < 10_000) {
            throw new UserError("--semantic-events must be at least 10000, got " + semanticEvents);
        }
        if (inFlight < 1000) {
            throw new UserError("--in-flight must be at least 1000, got " + inFlight);
        }
        if (!(latencyRate >= 10) || latencyDuration.isNegative() || latencyDuration.isZero()) {
            throw new UserError("--latency-rate must be at least 10 tokens/s and --latency-duration positive");
        }
        if (!monitorHeap.matches("[1-9][0-9]{0,6}[kKmMgG]?")) {
            throw new UserError("--monitor-heap must be a JVM heap size such as 640m or 2g, got '" + monitorHeap + "'");
        }
        if (maxRecordMb < 0 || maxRecordMb > MAX_RECORD_MB) {
            throw new UserError("--max-record-mb must be between 0 and " + MAX_RECORD_MB + ", got " + maxRecordMb);
        }
        Set<String> run = new LinkedHashSet<>(stages == null ? DEFAULT_STAGES : stages);
        if (workload.equals("production")) {
            if (stages != null && !PRODUCTION_STAGES.containsAll(run)) {
                throw new UserError("--workload production measures the streaming, history and semantic stages only: drop --stages or use"
                        + " --stages streaming,history (or semantic)");
            }
            if (stages == null) {
                run = new LinkedHashSet<>(List.of("streaming", "history"));
            }
            if (run.contains("history") && history < MIN_HISTORY) {
                throw new UserError("--history must be at least " + MIN_HISTORY + " rollouts, got " + history);
            }
            if (windowEvents < MIN_WINDOW_EVENTS) {
                throw new UserError("--window-events must be at least " + MIN_WINDOW_EVENTS + ", got " + windowEvents);
            }
        } else if (run.contains("history")) {
            throw new UserError("the history stage runs with --workload production only");
        }
        for (String s : run) {
            if (!ALL_STAGES.contains(s)) {
                throw new UserError("unknown stage '" + s + "' in --stages: use " + String.join(", ", ALL_STAGES));
            }
        }
        if (plot != null && plot.toAbsolutePath().getParent() != null && !Files.isDirectory(plot.toAbsolutePath().getParent())) {
            throw new UserError("--plot: the directory of " + plot + " does not exist");
        }
        return run;
    }

    /**
     * The semantic stage: the embedding model alone, then the topology with semantic diversity off and on
     * over one workload with text, per-token records unless {@code --form chunk}.
     */
    private void semantic(KafkaThroughput kafka, BenchResults results, PrintStream err) throws Exception {
        SemanticCost cost = new SemanticCost(err, seed);
        results.semantic = cost.result;
        cost.measureModel();
        boolean chunks = "chunk".equals(form);
        boolean production = workload.equals("production");
        String name = (production ? "prod-" : "") + (chunks ? "chunk" + chunkSize : "token") + "-text";
        err.printf(Locale.ROOT, "canopy bench: semantic: generating about %,d tokens of simulated events with text...%n", semanticEvents);
        BenchEvents w = production
                ? cost.productionWorkload(name, chunks ? chunkSize : 1, semanticEvents)
                : cost.workload(name, estimator, chunks ? chunkSize : 1, semanticEvents);
        cost.measureStreaming(kafka, w);
    }

    private static String extraName(EstimatorMode e) {
        return switch (e) {
            case SURPRISAL -> "logprob";
            case TOPK -> "topk20";
            case EXACT -> "exact";
            case MIXED -> "mixed";
        };
    }

    private BenchResults.Machine machine(LoadSampler load) {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        return new BenchResults.Machine(Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory(),
                System.getProperty("java.vm.name") + " " + System.getProperty("java.version"),
                os.getName() + " " + os.getVersion() + " " + os.getArch(), load.first, load.mean(), load.max(), partitions, threads,
                workload.equals("production") ? "production mix" : estimator.name(), events, pairCapacity);
    }

    /**
     * Kafka's warnings (a fresh topic's leader not yet known to a producer, temp-dir state directories)
     * and the monitor's start-up lines would bury the progress lines; errors still show.
     */
    private static void quietLogs() {
        for (String logger : List.of("dev.canopy.broker", "dev.canopy.monitor", "dev.canopy.monitor.http", "org.apache.kafka")) {
            String key = "org.slf4j.simpleLogger.log." + logger;
            if (System.getProperty(key) == null) {
                System.setProperty(key, logger.startsWith("org") ? "error" : "warn");
            }
        }
    }
}
