package dev.canopy.simulator;

import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * What a {@link SimulatedFleet} generates, apart from how it is delivered: rollout k's stream, prompt,
 * ids, chain, sampled tokens and record writer, and the content of the i-th malformed record. Every
 * answer is a function of the fleet's settings and k (or i) alone, which is what makes two fleets that
 * differ only in delivery settings carry the same rollouts.
 *
 * <p>Immutable; shared by all cursors of a fleet.
 */
final class FleetRollouts {

    private static final Malformation[] MALFORMATIONS = Malformation.values();
    /** Multiplier of the fleet seed in a rollout's seed (the 64-bit golden ratio). */
    private static final long ROLLOUT_SEED_MULTIPLIER = 0x9E3779B97F4A7C15L;
    /** Mixed into a rollout's seed to pick its writer, independently of its tokens. */
    private static final long WRITER_CHOICE_SALT = 0xE57L;

    private final List<SimulatedFleet.Stream> streams;
    private final long seed;
    private final int prompts;
    private final int samplesPerPrompt;
    private final int maxTokens;
    private final RolloutRecords[] writers;
    private final String idPrefix;
    /** [stream][prompt]: the prompt variants, precomputed (S * P chains). */
    private final MarkovLanguageModel[][] promptModels;

    /**
     * @param streams          the deployments, rollout k going to stream k mod S
     * @param prompts          P in prompt-set mode, 0 in traffic mode
     * @param samplesPerPrompt n in prompt-set mode, 0 in traffic mode
     * @param writers          one writer per estimator; a rollout's writer is picked by a hash of its seed
     * @param idPrefix         prefix of every rollout id, malformed ones included
     */
    FleetRollouts(List<SimulatedFleet.Stream> streams, long seed, int prompts, int samplesPerPrompt, int maxTokens,
                  RolloutRecords[] writers, String idPrefix) {
        this.streams = streams;
        this.seed = seed;
        this.prompts = prompts;
        this.samplesPerPrompt = samplesPerPrompt;
        this.maxTokens = maxTokens;
        this.writers = writers.clone();
        this.idPrefix = idPrefix;
        this.promptModels = new MarkovLanguageModel[streams.size()][];
        for (int s = 0; s < streams.size(); s++) {
            promptModels[s] = new MarkovLanguageModel[prompts];
            for (int p = 0; p < prompts; p++) {
                promptModels[s][p] = streams.get(s).languageModel().withPromptVariant(p);
            }
        }
    }

    /** The prompt id of prompt index p: {@code "p-"} and p zero-padded to three digits ("p-017"). */
    static String promptId(int promptIndex) {
        return String.format(Locale.ROOT, "p-%03d", promptIndex);
    }

    /** Whether rollouts carry prompt ids. */
    boolean promptSetMode() {
        return prompts > 0;
    }

    /** Whether the records' steps carry {@code text} (all writers agree). */
    boolean writesText() {
        return writers[0].writesText();
    }

    /** The chain behind prompt {@code promptIndex} of stream {@code stream}. */
    MarkovLanguageModel languageModel(int stream, int promptIndex) {
        return promptModels[stream][promptIndex];
    }

    /**
     * Samples rollout k. In prompt-set mode stream s's rollouts j = k / S run through the prompts in order,
     * n samples each, with ids {@code <prefix>s<stream>-<promptId>:<sample>}; in traffic mode they use the
     * stream's chain as given, with ids {@code <prefix>s<stream>-<j>}.
     */
    Started start(long k) {
        int s = (int) (k % streams.size());
        long j = k / streams.size();
        SimulatedFleet.Stream st = streams.get(s);
        long rolloutSeed = RolloutRecords.mix64(seed * ROLLOUT_SEED_MULTIPLIER + RolloutRecords.mix64(k));
        SplittableRandom rng = new SplittableRandom(rolloutSeed);
        MarkovLanguageModel lm;
        String promptId;
        String rolloutId;
        if (promptSetMode()) {
            int prompt = (int) (j / samplesPerPrompt);
            int sample = (int) (j % samplesPerPrompt);
            lm = promptModels[s][prompt];
            promptId = promptId(prompt);
            rolloutId = idPrefix + "s" + s + "-" + promptId + ":" + sample;
        } else {
            lm = st.languageModel();
            promptId = null;
            rolloutId = idPrefix + "s" + s + "-" + j;
        }
        int e = writers.length == 1 ? 0
                : (int) Long.remainderUnsigned(RolloutRecords.mix64(rolloutSeed ^ WRITER_CHOICE_SALT), writers.length);
        SimulatedRollout r = new SimulatedRollout(st.model(), st.release(), rolloutId, promptId, lm,
                lm.sample(rng, maxTokens));
        return new Started(r, writers[e]);
    }

    /** The rollout id of the i-th malformed record, {@code <prefix>bad-<i>}: never a real rollout's id. */
    String malformedId(long i) {
        return idPrefix + "bad-" + i;
    }

    /**
     * The i-th malformed record: the {@link Malformation}s in declaration order, rotating, each naming
     * the streams' (model, release) in turn.
     */
    byte[] malformedRecord(long i) {
        Malformation m = MALFORMATIONS[(int) (i % MALFORMATIONS.length)];
        SimulatedFleet.Stream st = streams.get((int) (i % streams.size()));
        return m.render(st.model(), st.release(), malformedId(i));
    }

    /** A sampled rollout and the writer that turns it into records. */
    record Started(SimulatedRollout rollout, RolloutRecords writer) {
    }
}
