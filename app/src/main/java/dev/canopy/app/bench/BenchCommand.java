package dev.canopy.app.bench;

import dev.canopy.analysis.cli.Progress;
import dev.canopy.core.UserError;
import dev.canopy.monitor.Durations;
import dev.canopy.monitor.MonitorSettings;
import dev.canopy.broker.EmbeddedKafkaBroker;
import dev.canopy.simulator.EstimatorMode;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code canopy bench}: what the monitor costs, measured in one run on this machine. Side by side on an
 * embedded broker and the same input topic: a plain consumer, a stateless pass-through Kafka Streams app
 * and the Canopy topology (both with exactly_once_v2), for per-token and chunk records; the replay on one
 * thread against Jackson merely reading the same bytes; the memory of an in-flight rollout; and the
 * latency from a rollout's final event to its effect on {@code /api/v1/report}. Checks the targets of
 * BENCHMARKS.md. Progress goes to stderr, the table (or {@code --json}) to stdout. The "semantic" stage
 * (what semantic diversity costs, {@link SemanticCost}) runs only when {@code --stages} names it.
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

    private static final List<String> ALL_STAGES = List.of("memory", "replay", "streaming", "latency", "semantic");

    /** What runs without --stages: semantic diversity is off by default in the monitor, and its stage adds over a minute. */
    private static final List<String> DEFAULT_STAGES = List.of("memory", "replay", "streaming", "latency");

    @Option(names = "--events", defaultValue = "1000000", paramLabel = "N",
            description = "Token events per workload: N per-token records, or the same tokens in chunk records (default: ${DEFAULT-VALUE}).")
    long events;

    @Option(names = "--workload", defaultValue = "standard", paramLabel = "standard|production",
            description = {"standard: one fleet of 4 releases, 1,024 rollouts in flight, the --estimator field.",
                    "production: the streaming stage only, on traffic shaped like a fleet: 8 releases of 4 models, 64 prompts each,",
                    "2,500 rollouts in flight, top-20 and top-5 top_logprobs, exact entropies, logprob-only and mixed events;",
                    "also kcat -C when it is on the PATH (default: ${DEFAULT-VALUE})."})
    String workload;

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
            description = {"Only these of memory, replay, streaming, latency, semantic (default: memory,replay,streaming,latency).",
                    "semantic (what semantic diversity costs: the embedding model alone and the topology with it off and on) runs only when named; about 100 s."})
    List<String> stages;

    @Option(names = "--semantic-events", defaultValue = "400000", paramLabel = "N",
            description = "Tokens of the semantic stage's workload, events with text and 8 prompts per release (default: ${DEFAULT-VALUE}).")
    long semanticEvents;

    @Option(names = "--plot", paramLabel = "FILE", description = "Also draw tokens/s by stage as a PNG chart.")
    Path plot;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the simulated fleet (default: ${DEFAULT-VALUE}).")
    long seed;

    /** Runs the command on its own (before it is registered as a subcommand of {@code canopy}). */
    public static void main(String[] args) {
        CommandLine cli = new CommandLine(new BenchCommand());
        cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (ex instanceof UserError) {
                cmd.getErr().println("canopy: " + ex.getMessage());
                return 2;
            }
            throw ex;
        });
        cli.setExitCodeExceptionMapper(ex -> ex instanceof UserError || ex instanceof CommandLine.ParameterException ? 2 : 1);
        System.exit(cli.execute(args));
    }

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
            if (run.contains("streaming") || run.contains("latency") || run.contains("semantic")) {
                err.println("canopy bench: starting an embedded Kafka broker...");
                try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().start()) {
                    KafkaThroughput kafka = new KafkaThroughput(broker.bootstrapServers(), stateRoot, partitions, threads, pairCapacity, err);
                    if (run.contains("streaming")) {
                        List<MonitorSettings> settings = new ArrayList<>();
                        for (BenchEvents w : workloads) {
                            settings.add(kafka.settings("bench." + w.name(), "canopy-bench-" + w.name()));
                        }
                        for (int i = 0; i < workloads.size(); i++) {
                            streaming(kafka, workloads.get(i), settings.get(i), results, err);
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
                }
            }
        } finally {
            load.close();
            deleteQuietly(stateRoot);
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
        Set<String> run = new LinkedHashSet<>(stages == null ? DEFAULT_STAGES : stages);
        if (workload.equals("production")) {
            if (stages != null && !run.equals(Set.of("streaming"))) {
                throw new UserError("--workload production measures the streaming stage only: drop --stages or use --stages streaming");
            }
            run = new LinkedHashSet<>(List.of("streaming"));
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
        String name = (chunks ? "chunk" + chunkSize : "token") + "-text";
        err.printf(Locale.ROOT, "canopy bench: semantic: generating about %,d tokens of simulated events with text...%n", semanticEvents);
        BenchEvents w = cost.workload(name, estimator, chunks ? chunkSize : 1, semanticEvents);
        cost.measureStreaming(kafka, w);
    }

    private void streaming(KafkaThroughput kafka, BenchEvents w, MonitorSettings settings, BenchResults results, PrintStream err)
            throws Exception {
        err.printf(Locale.ROOT, "canopy bench: %s: producing %,d records (%s tokens, %.0f MB)...%n", w.name(), w.records(),
                Progress.count(w.tokens()), w.bytes() / 1e6);
        KafkaThroughput.Span produced;
        try {
            produced = kafka.produce(settings.monitor().topics().tokens(), w);
        } catch (IllegalStateException e) {
            // The embedded broker has been seen to reject a fresh topic's first batch as out of sequence; a new topic is clean.
            err.printf(Locale.ROOT, "canopy bench: %s: %s; producing again to fresh topics%n", w.name(), e.getMessage());
            settings = kafka.settings("bench." + w.name() + "-retry", "canopy-bench-" + w.name() + "-retry");
            produced = kafka.produce(settings.monitor().topics().tokens(), w);
        }
        String topic = settings.monitor().topics().tokens();
        results.stages.add(BenchResults.Stage.of("produce", w.name(), produced));
        err.printf(Locale.ROOT, "canopy bench: %s: raw consumer...%n", w.name());
        results.stages.add(BenchResults.Stage.of("raw consumer", w.name(), kafka.rawConsumer(topic, w)));
        if (workload.equals("production")) {
            err.printf(Locale.ROOT, "canopy bench: %s: kcat -C...%n", w.name());
            KafkaThroughput.Span kcat = kafka.kcat(topic, w);
            if (kcat == null) {
                err.printf(Locale.ROOT, "canopy bench: %s: kcat is not on the PATH, skipped%n", w.name());
            } else {
                results.stages.add(BenchResults.Stage.of("kcat -C", w.name(), kcat));
            }
        }
        err.printf(Locale.ROOT, "canopy bench: %s: pass-through Kafka Streams app...%n", w.name());
        results.stages.add(BenchResults.Stage.of("pass-through", w.name(), kafka.passThrough(settings, w)));
        err.printf(Locale.ROOT, "canopy bench: %s: Canopy topology...%n", w.name());
        KafkaThroughput.Span canopy = kafka.canopy(settings, w);
        if (canopy.reprocessed() > 0) {
            err.printf(Locale.ROOT, "canopy bench: %s: the topology read %,d records twice (a task was reset), so its rate is overstated%n",
                    w.name(), canopy.reprocessed());
        }
        results.stages.add(BenchResults.Stage.of("canopy", w.name(), canopy));
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
                os.getName() + " " + os.getVersion() + " " + os.getArch(), load.first, load.mean(), load.max, partitions, threads,
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

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort: a temporary directory
        }
    }

    /** Samples the 1-minute load average every 5 s while the benchmark runs. */
    private static final class LoadSampler implements AutoCloseable {
        private final OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "canopy-bench-load");
            t.setDaemon(true);
            return t;
        });
        final double first = os.getSystemLoadAverage();
        private double sum;
        private int n;
        private double max = first;

        LoadSampler() {
            timer.scheduleAtFixedRate(this::sample, 5, 5, TimeUnit.SECONDS);
        }

        private synchronized void sample() {
            double l = os.getSystemLoadAverage();
            sum += l;
            n++;
            max = Math.max(max, l);
        }

        synchronized double mean() {
            return n == 0 ? first : sum / n;
        }

        @Override
        public void close() {
            timer.shutdownNow();
        }
    }
}
