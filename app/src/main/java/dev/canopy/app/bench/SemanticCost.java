package dev.canopy.app.bench;

import dev.canopy.analysis.cli.Progress;
import dev.canopy.monitor.MonitorSettings;
import dev.canopy.semantic.Embedder;
import dev.canopy.semantic.MiniLmEmbedder;
import dev.canopy.semantic.PromptSample;
import dev.canopy.semantic.SemanticAccumulator;
import dev.canopy.semantic.SemanticCounts;
import dev.canopy.simulator.EstimatorMode;
import dev.canopy.topology.SemanticSettings;

import java.io.PrintStream;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The "semantic" stage: what semantic diversity costs. The embedding model alone (one thread, one text a
 * call as the stream thread calls it, short and long rollout texts; and {@link EmbeddingThroughput#BATCH}
 * texts a call for comparison), the bytes a kept rollout occupies, and the topology over one workload
 * whose events carry text, four times on the same topic: semantic diversity off; on with a budget that
 * embeds nothing (the cost of keeping and moving the texts); on with the default embedding budget; on with
 * the budget out of the way.
 */
final class SemanticCost {

    /** Prompts per deployment of the workload: few, so that each prompt gets many rollouts and the sample fills. */
    static final int PROMPTS = 8;

    /** Mean tokens of the fleet's rollouts, to turn a token count into rollouts per prompt. */
    static final double MEAN_ROLLOUT_TOKENS = 33;

    /** A budget no run can spend: every rollout the sample admits is embedded. */
    static final double UNLIMITED = 1e9;

    /** A budget that allows one embedding (the bucket starts with one) and then none for the run: the cost of the rest. */
    static final double NOTHING = 0.001;

    /**
     * The bytes of one prompt's full sample.
     *
     * @param perPrompt      rollouts a full sample holds ({@code canopy.semantic.per.prompt}, default)
     * @param dimension      floats per embedding
     * @param sampleBytes    {@code PromptSample.toBytes()} of a full sample of real embeddings
     * @param bytesPerRollout sampleBytes / perPrompt
     */
    record State(int perPrompt, int dimension, long sampleBytes, double bytesPerRollout) {
    }

    /**
     * One run of the topology.
     *
     * @param semantic               "off", "text only" (on, with a budget of nothing), or the budget ("100/s", "unlimited")
     * @param maxRate                canopy.semantic.max.rate (0 when off)
     * @param vsOff                  rollouts/s over the same figure with semantic diversity off
     * @param counts                 outcomes of the completed rollouts (null when off)
     * @param waiting                rollouts the sample keeps still waiting for the budget at the end
     * @param embedMillis            each embedding's time on the stream thread (null when off)
     * @param embeddingShare         time spent embedding over the run's span: the share of one stream thread
     * @param keptRollouts           rollouts held in the prompt samples at the end
     * @param keptPrompts            prompts with a sample at the end
     * @param storeBytesPerKeptRollout keys and values of the sample and prompt-metrics stores over keptRollouts
     */
    record Run(String semantic, double maxRate, long records, long tokens, long rollouts, double seconds,
               double rolloutsPerSecond, double tokensPerSecond, double vsOff, SemanticCounts counts, long waiting, Distribution embedMillis,
               double embeddingShare, long keptRollouts, long keptPrompts, double storeBytesPerKeptRollout) {
    }

    /** Everything the stage measured. */
    static final class Result {
        double modelLoadSeconds;
        final List<EmbeddingThroughput.Result> embedding = new ArrayList<>();
        State state;
        String workload;
        int promptGroups;
        int rolloutsPerPromptGroup;
        final List<Run> streaming = new ArrayList<>();

        public double getModelLoadSeconds() {
            return modelLoadSeconds;
        }

        public List<EmbeddingThroughput.Result> getEmbedding() {
            return embedding;
        }

        public State getState() {
            return state;
        }

        public String getWorkload() {
            return workload;
        }

        public int getPromptGroups() {
            return promptGroups;
        }

        public int getRolloutsPerPromptGroup() {
            return rolloutsPerPromptGroup;
        }

        public List<Run> getStreaming() {
            return streaming;
        }

        Run run(String semantic) {
            return streaming.stream().filter(r -> r.semantic().equals(semantic)).findFirst().orElse(null);
        }
    }

    private final PrintStream err;
    private final long seed;
    private final Supplier<Embedder> embedders;
    private Embedder embedder;
    final Result result = new Result();

    SemanticCost(PrintStream err, long seed) {
        this(err, seed, MiniLmEmbedder::new);
    }

    /** With another embedder (a variant of the model's runtime settings, say), loaded when the model stage starts. */
    SemanticCost(PrintStream err, long seed, Supplier<Embedder> embedders) {
        this.err = err;
        this.seed = seed;
        this.embedders = embedders;
    }

    /**
     * The stage's workload: a prompt set of {@link #PROMPTS} prompts per deployment, with as many rollouts
     * per prompt as make about {@code tokens} tokens, and text in the events.
     */
    BenchEvents workload(String name, EstimatorMode estimator, int chunkSize, long tokens) {
        int deployments = BenchEvents.deployments(seed).size();
        int samples = (int) Math.max(2, Math.round(tokens / (MEAN_ROLLOUT_TOKENS * PROMPTS * deployments)));
        result.promptGroups = PROMPTS * deployments;
        result.rolloutsPerPromptGroup = samples;
        return BenchEvents.promptSet(name, estimator, chunkSize, seed + 3, PROMPTS, samples, true);
    }

    /**
     * The production-shape workload ({@link ProductionStream}) with text: 8 releases of 64 prompts, so the
     * semantic stage's cost is measured on the same traffic as the streaming stage's.
     */
    BenchEvents productionWorkload(String name, int chunkSize, long tokens) {
        BenchEvents events = BenchEvents.production(name, chunkSize, tokens, seed, 0, true);
        result.promptGroups = ProductionStream.RELEASES * ProductionStream.PROMPTS;
        result.rolloutsPerPromptGroup = (int) Math.max(1, events.rollouts() / result.promptGroups);
        return events;
    }

    /** Loads the model and measures it alone, and the size of a full prompt sample (about 12 s). */
    void measureModel() {
        err.println("canopy bench: semantic: loading the embedding model...");
        long t0 = System.nanoTime();
        embedder = embedders.get();
        embedder.embed(List.of(" warm up"));
        result.modelLoadSeconds = (System.nanoTime() - t0) / 1e9;
        EmbeddingThroughput.Texts shortTexts = EmbeddingThroughput.shortTexts(seed, 512);
        EmbeddingThroughput.Texts longTexts = EmbeddingThroughput.longTexts(seed, 128, EmbeddingThroughput.LONG_WORDS);
        err.println("canopy bench: semantic: warming the model up (1 s)...");
        EmbeddingThroughput.measure(embedder, shortTexts, 1, Duration.ZERO, Duration.ofSeconds(1));
        for (EmbeddingThroughput.Texts t : List.of(shortTexts, longTexts)) {
            err.printf(Locale.ROOT, "canopy bench: semantic: embedding %s texts (%.0f words on average), one a call...%n", t.name(), t.meanWords());
            result.embedding.add(EmbeddingThroughput.measure(embedder, t, 1, Duration.ofMillis(500), Duration.ofSeconds(3)));
        }
        for (EmbeddingThroughput.Texts t : List.of(shortTexts, longTexts)) {
            err.printf(Locale.ROOT, "canopy bench: semantic: embedding %s texts, %d a call...%n", t.name(), EmbeddingThroughput.BATCH);
            result.embedding.add(EmbeddingThroughput.measure(embedder, t, EmbeddingThroughput.BATCH, Duration.ofMillis(300), Duration.ofSeconds(2)));
        }
        int perPrompt = SemanticSettings.DEFAULT_PER_PROMPT;
        float[][] vectors = embedder.embed(shortTexts.texts().subList(0, perPrompt));
        PromptSample sample = new PromptSample(perPrompt);
        for (int i = 0; i < perPrompt; i++) {
            sample.add(new SemanticAccumulator.Entry(0x9E3779B97F4A7C15L * (i + 1), vectors[i], 33, 2.5));
        }
        byte[] bytes = sample.toBytes();
        result.state = new State(perPrompt, embedder.dimension(), bytes.length, (double) bytes.length / perPrompt);
    }

    /**
     * The topology over {@code events} (from {@link #workload}): off; on with a budget of nothing (texts
     * kept, repartitioned and admitted, but not embedded); on with the default budget; on with the budget
     * out of the way. Each is a fresh application on the same input topic.
     */
    void measureStreaming(KafkaThroughput kafka, BenchEvents events) throws Exception {
        if (embedder == null) {
            throw new IllegalStateException("measure the model first");
        }
        result.workload = events.name();
        String prefix = "bench.semantic-" + events.name();
        String app = "canopy-bench-semantic-" + events.name();
        MonitorSettings off = kafka.settings(prefix + "-off", app + "-off");
        err.printf(Locale.ROOT, "canopy bench: semantic: producing %,d records with text (%s tokens, %,d rollouts, %.0f MB)...%n",
                events.records(), Progress.count(events.tokens()), events.rollouts(), events.bytes() / 1e6);
        try {
            kafka.produce(off.monitor().topics().tokens(), events);
        } catch (IllegalStateException e) {
            // as in the streaming stage: a fresh topic is clean when the broker refused the first batch
            err.printf(Locale.ROOT, "canopy bench: semantic: %s; producing again to fresh topics%n", e.getMessage());
            prefix += "-retry";
            app += "-retry";
            off = kafka.settings(prefix + "-off", app + "-off");
            kafka.produce(off.monitor().topics().tokens(), events);
        }
        String topic = off.monitor().topics().tokens();

        // The first Streams application of a JVM runs with cold code paths; without this run the "off" run,
        // which comes first, would pay for it and make semantic diversity look cheaper than it is.
        err.println("canopy bench: semantic: warming the topology up (semantic diversity on, nothing embedded; not reported)...");
        SemanticThroughput.canopySemantic(kafka.settings(prefix + "-warmup", app + "-warmup", onFlags(topic, NOTHING)), events, embedder,
                "semantic, warm-up", err);

        err.println("canopy bench: semantic: the topology with semantic diversity off...");
        KafkaThroughput.Span base = kafka.canopy(off, events);
        warnReprocessed(base, "off");
        result.streaming.add(run("off", 0, base, base, null, events.rollouts()));

        for (double rate : new double[] {NOTHING, SemanticSettings.DEFAULT_MAX_RATE, UNLIMITED}) {
            String label = rate == UNLIMITED ? "unlimited" : rate == NOTHING ? "text only" : BenchResults.rate(rate) + "/s";
            String suffix = rate == UNLIMITED ? "-unlimited" : rate == NOTHING ? "-text" : "-budget";
            MonitorSettings on = kafka.settings(prefix + suffix, app + suffix, onFlags(topic, rate));
            err.printf(Locale.ROOT, "canopy bench: semantic: the topology with semantic diversity on, budget %s...%n", label);
            SemanticThroughput.SemanticSpan s = SemanticThroughput.canopySemantic(on, events, embedder, "semantic, budget " + label, err);
            warnReprocessed(s.span(), label);
            result.streaming.add(run(label, rate, s.span(), base, s, events.rollouts()));
        }
    }

    private static Map<String, String> onFlags(String topic, double maxRate) {
        return Map.of("canopy.topic.tokens", topic, "canopy.semantic.enabled", "true",
                "canopy.semantic.max.rate", BigDecimal.valueOf(maxRate).toPlainString());
    }

    private void warnReprocessed(KafkaThroughput.Span s, String label) {
        if (s.reprocessed() > 0) {
            err.printf(Locale.ROOT, "canopy bench: semantic (%s): the topology read %,d records twice (a task was reset), so its rate is overstated%n",
                    label, s.reprocessed());
        }
    }

    private static Run run(String label, double rate, KafkaThroughput.Span s, KafkaThroughput.Span off, SemanticThroughput.SemanticSpan sem,
                           long rollouts) {
        double perSecond = rollouts / s.seconds();
        double offPerSecond = rollouts / off.seconds();
        if (sem == null) {
            return new Run(label, rate, s.records(), s.tokens(), rollouts, s.seconds(), perSecond, s.tokens() / s.seconds(),
                    perSecond / offPerSecond, null, 0, null, 0, 0, 0, 0);
        }
        double embedding = 0;
        for (double v : sem.embedSeconds()) {
            embedding += v;
        }
        long kept = sem.keptRollouts();
        return new Run(label, rate, s.records(), s.tokens(), rollouts, s.seconds(), perSecond, s.tokens() / s.seconds(),
                perSecond / offPerSecond, sem.counts(), sem.waiting(), sem.embedSeconds().length == 0 ? null : Distribution.of(sem.embedSeconds()).scaled(1000),
                embedding / s.seconds(), kept, sem.keptPrompts(), kept == 0 ? 0 : (double) (sem.sampleBytes() + sem.promptBytes()) / kept);
    }
}
