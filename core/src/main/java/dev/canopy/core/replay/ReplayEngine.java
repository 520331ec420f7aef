package dev.canopy.core.replay;

import dev.canopy.core.assembly.CompletedRollout;
import dev.canopy.core.assembly.RolloutAssembler;
import dev.canopy.core.events.EventParser;
import dev.canopy.core.events.ParseResult;
import dev.canopy.core.events.RejectReason;
import dev.canopy.core.events.TokenRecord;
import dev.canopy.core.report.Report;
import dev.canopy.core.stats.GroupAccumulator;
import dev.canopy.core.stats.GroupKey;

import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The whole monitor in one thread without Kafka: parse, validate, assemble, accumulate, report. This is
 * {@code canopy replay}, and the reference the streaming topology must agree with on the same events.
 *
 * <p>Every rollout still incomplete when {@link #finish()} is called counts as abandoned. Memory is
 * the in-flight rollouts plus one {@link GroupAccumulator} per model and release.
 */
public final class ReplayEngine {

    /** Tuning knobs shared with the streaming monitor. */
    public record Options(int vocabularySize, int pairCapacity, int maxPrompts, EventParser.Limits limits) {

        public Options {
            java.util.Objects.requireNonNull(limits, "limits");
        }

        /** Options with the default input limits. */
        public Options(int vocabularySize, int pairCapacity, int maxPrompts) {
            this(vocabularySize, pairCapacity, maxPrompts, EventParser.Limits.DEFAULTS);
        }

        public static Options defaults() {
            return new Options(dev.canopy.core.entropy.StepEntropy.DEFAULT_VOCABULARY_SIZE,
                    dev.canopy.core.stats.PairSample.DEFAULT_CAPACITY, GroupAccumulator.DEFAULT_MAX_PROMPTS);
        }

        /** The same options with other input limits. */
        public Options withLimits(EventParser.Limits l) {
            return new Options(vocabularySize, pairCapacity, maxPrompts, l);
        }
    }

    private final Options options;
    private final EventParser parser;
    private final RolloutAssembler assembler = new RolloutAssembler();
    private final Map<GroupKey, GroupAccumulator> groups = new HashMap<>();
    private final EnumMap<RejectReason, Long> rejected = new EnumMap<>(RejectReason.class);
    private final java.util.function.Consumer<CompletedRollout> listener;
    private long records;
    private long duplicateSteps;
    private long sequence;

    public ReplayEngine(Options options) {
        this(options, r -> { });
    }

    /** @param listener sees every completed or abandoned rollout as it is added (e.g. to keep rollout-level data) */
    public ReplayEngine(Options options, java.util.function.Consumer<CompletedRollout> listener) {
        this.options = options;
        this.parser = new EventParser(options.vocabularySize(), false, options.limits());
        this.listener = listener;
        this.texts = null;
        this.textListener = null;
    }

    /**
     * A replay that also assembles each rollout's text (for semantic diversity).
     *
     * @param maxChars     text kept per rollout
     * @param textListener sees every completed (not abandoned) rollout with its text
     */
    public ReplayEngine(Options options, int maxChars, java.util.function.BiConsumer<CompletedRollout, String> textListener) {
        this.options = options;
        this.parser = new EventParser(options.vocabularySize(), true, options.limits());
        this.listener = r -> { };
        this.texts = new RolloutTexts(maxChars);
        this.textListener = textListener;
    }

    private final RolloutTexts texts;
    private final java.util.function.BiConsumer<CompletedRollout, String> textListener;

    /** Processes one record (the bytes of one JSONL line or one Kafka record value). */
    public void accept(byte[] buffer, int offset, int length) {
        records++;
        ParseResult result = parser.parse(buffer, offset, length);
        if (!result.isAccepted()) {
            rejected.merge(result.reason(), 1L, Long::sum);
            return;
        }
        TokenRecord r = result.record();
        long eventTime = r.timestamp() >= 0 ? r.timestamp() : 0;
        if (texts != null && !assembler.completedRecently(r.rolloutId())) {
            // a retry after completion would otherwise leave a buffer nobody takes
            texts.add(r);
        }
        RolloutAssembler.Outcome outcome = assembler.accept(r, eventTime, ++sequence);
        if (outcome.beyondFinal()) {
            rejected.merge(RejectReason.BEYOND_FINAL, 1L, Long::sum);
            return;
        }
        duplicateSteps += outcome.duplicateSteps();
        if (outcome.completed() != null) {
            if (texts != null) {
                textListener.accept(outcome.completed(), texts.take(outcome.completed().rolloutId()));
            }
            add(outcome.completed());
        }
    }

    private void add(CompletedRollout rollout) {
        listener.accept(rollout);
        groups.computeIfAbsent(new GroupKey(rollout.model(), rollout.release()),
                k -> new GroupAccumulator(options.pairCapacity(), options.maxPrompts())).add(rollout);
    }

    public long records() {
        return records;
    }

    public long duplicateSteps() {
        return duplicateSteps;
    }

    public int inFlight() {
        return assembler.inFlight();
    }

    /** Ends the replay: incomplete rollouts become abandoned; returns the report. */
    public Report finish() {
        for (CompletedRollout r : assembler.drainAbandoned()) {
            if (texts != null) {
                texts.drop(r.rolloutId());
            }
            add(r);
        }
        Map<String, Long> reasons = new LinkedHashMap<>();
        rejected.forEach((reason, count) -> reasons.put(reason.code(), count));
        return Report.of(reasons, groups);
    }
}
