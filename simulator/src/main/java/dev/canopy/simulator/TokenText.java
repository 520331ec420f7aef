package dev.canopy.simulator;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The decoded text of a simulated token (contract field {@code text}): an English word from a fixed list
 * (made-up text, nothing a model wrote) with a leading space, as real BPE pieces carry (" river"), so that
 * a sentence-embedding model sees rollouts that differ in meaning. The EOS token decodes to {@code ""}, as inference servers report it.
 *
 * <h2>Layout</h2>
 * The word of token {@code v} depends only on {@code v} and the vocabulary size V of its model, so a token
 * of a given model always reads the same. The vocabulary is cut in quarters at the block bounds of
 * {@link ModelStyles} ({@code V/2} and {@code 3V/4}):
 * <ul>
 *   <li>the <b>third quarter</b> {@code [V/2, 3V/4)}, the only quarter inside the high-entropy block of
 *       both styles (the base style's fluent block, the tuned style's exploratory block), is topical: its
 *       i-th token is a word of topic {@code i mod 24} (river, bread, guitar, planet, doctor, ...), so
 *       consecutive tokens belong to different topics and a rollout that wanders there touches many
 *       subjects;</li>
 *   <li>the <b>other three quarters</b> read as six colour words ({@code THEME[v mod 6]}). They hold the
 *       low-entropy blocks (the tuned style's confident block, the base style's repetition loop), so a
 *       rollout that repeats a few tokens reads as a short list of colours, like the other low-entropy
 *       rollouts of its prompt. High-entropy rollouts mix colours with topics: they stay comparable to
 *       the low-entropy ones instead of living on a disjoint vocabulary (where whichever mode is the
 *       minority of a prompt would look the most diverse).</li>
 * </ul>
 * <p>With so small a vocabulary (48 in the demo) long high-entropy rollouts look alike too (each mixes the
 * same dozen topics), and a prompt's minority mode is far from the rest, so the per-prompt correlation
 * of diversity d with entropy rate r depends on how the prompt splits between modes; pooled over prompts
 * it is positive for both styles and larger for the tuned one, as in the paper. Measured end to end
 * ({@code canopy simulate --text --events 200000}, then {@code canopy replay --semantic}: vocabulary 48,
 * 38 to 64 prompts with 32 rollouts kept each) with seeds 42, 7, 3, 11: pooled Pearson corr(d, r)
 * 0.14, 0.17, 0.13, 0.11 for the base release and 0.47, 0.30, 0.14, 0.40 for the tuned one; semantic
 * diversity about 0.38 for both, Vendi score 4.7 to 5.2 (base) and 4.3 to 4.5 (tuned).
 *
 * <p>The word list: 24 topics of 12 words each and 6 theme words, all distinct, lower-case ASCII. Topic
 * words beyond the first of each topic appear only in vocabularies of 100 tokens or more. Stateless and
 * thread-safe.
 */
public final class TokenText {

    /** The low-entropy theme: what a rollout that repeats a few tokens reads as. */
    private static final String[] THEME = {"red", "blue", "green", "yellow", "orange", "purple"};

    /** Topics, 12 words each; topic k's j-th word serves topical tokens k + 24 j (mod 288). */
    private static final String[][] TOPICS = {
        {"river", "lake", "ocean", "rain", "stream", "wave", "harbor", "shore", "flood", "tide", "island", "boat"},
        {"bread", "soup", "kitchen", "butter", "onion", "garlic", "oven", "recipe", "flour", "cheese", "apple", "dinner"},
        {"guitar", "melody", "song", "drum", "piano", "choir", "rhythm", "concert", "violin", "chord", "singer", "album"},
        {"planet", "star", "orbit", "rocket", "moon", "galaxy", "comet", "telescope", "astronaut", "asteroid", "launch", "eclipse"},
        {"doctor", "fever", "hospital", "nurse", "patient", "medicine", "surgery", "vaccine", "injury", "clinic", "symptom", "bandage"},
        {"bank", "money", "loan", "price", "market", "budget", "profit", "tax", "invoice", "salary", "stock", "debt"},
        {"code", "server", "database", "compiler", "software", "network", "bug", "function", "laptop", "keyboard", "program", "browser"},
        {"football", "goal", "team", "coach", "match", "stadium", "referee", "tennis", "runner", "season", "score", "league"},
        {"storm", "snow", "wind", "thunder", "frost", "sunshine", "fog", "drought", "breeze", "forecast", "hail", "lightning"},
        {"garden", "flower", "tree", "seed", "leaf", "rose", "soil", "forest", "grass", "branch", "tulip", "harvest"},
        {"dog", "cat", "horse", "rabbit", "lion", "eagle", "wolf", "tiger", "sparrow", "elephant", "fox", "whale"},
        {"court", "judge", "lawyer", "contract", "trial", "verdict", "witness", "police", "crime", "prison", "statute", "evidence"},
        {"teacher", "student", "lesson", "exam", "homework", "library", "classroom", "pencil", "grade", "university", "lecture", "textbook"},
        {"airport", "train", "hotel", "ticket", "passport", "luggage", "journey", "map", "tourist", "flight", "station", "highway"},
        {"castle", "king", "empire", "army", "battle", "sword", "knight", "queen", "kingdom", "soldier", "throne", "siege"},
        {"mother", "father", "baby", "sister", "brother", "wedding", "house", "grandmother", "child", "family", "cousin", "neighbor"},
        {"shirt", "jacket", "shoe", "dress", "hat", "scarf", "sweater", "boot", "sock", "glove", "button", "pocket"},
        {"painting", "canvas", "museum", "sculpture", "portrait", "brush", "gallery", "artist", "sketch", "poem", "novel", "theater"},
        {"engine", "car", "truck", "wheel", "motor", "bicycle", "tractor", "brake", "fuel", "garage", "gear", "pump"},
        {"atom", "molecule", "acid", "crystal", "electron", "oxygen", "carbon", "experiment", "laboratory", "metal", "energy", "gravity"},
        {"joy", "anger", "fear", "love", "sadness", "hope", "grief", "pride", "shame", "surprise", "calm", "worry"},
        {"meeting", "office", "manager", "email", "report", "deadline", "project", "desk", "colleague", "schedule", "printer", "client"},
        {"street", "building", "tower", "park", "square", "traffic", "subway", "apartment", "downtown", "bridge", "alley", "suburb"},
        {"mountain", "valley", "desert", "canyon", "cliff", "cave", "volcano", "glacier", "hill", "meadow", "prairie", "summit"},
    };

    private static final int TOPIC_SIZE = 12;

    private TokenText() {
    }

    /**
     * The text of token {@code token} of a model with {@code vocabularySize} ordinary tokens: a word with a
     * leading space, or {@code ""} for EOS ({@code token == vocabularySize}).
     *
     * @throws IllegalArgumentException if vocabularySize &lt; 1 or token is outside 0..vocabularySize
     */
    public static String piece(int token, int vocabularySize) {
        if (vocabularySize < 1) {
            throw new IllegalArgumentException("vocabularySize must be >= 1, got " + vocabularySize);
        }
        if (token < 0 || token > vocabularySize) {
            throw new IllegalArgumentException("token " + token + " outside 0.." + vocabularySize + " (EOS last)");
        }
        if (token == vocabularySize) {
            return "";
        }
        int from = vocabularySize / 2;
        int to = (vocabularySize * 3) / 4;
        if (token >= from && token < to) {
            int i = (token - from) % (TOPICS.length * TOPIC_SIZE);
            return " " + TOPICS[i % TOPICS.length][i / TOPICS.length];
        }
        return " " + THEME[token % THEME.length];
    }

    /** The text of a whole rollout: the pieces of its steps in position order (EOS adds nothing). */
    public static String of(SampledRollout rollout, int vocabularySize) {
        StringBuilder sb = new StringBuilder(8 * rollout.length());
        for (SampledStep step : rollout.steps()) {
            sb.append(piece(step.token(), vocabularySize));
        }
        return sb.toString();
    }

    /** Every word of the list (theme words first, then the topics in order), without spaces. */
    public static List<String> words() {
        List<String> all = new ArrayList<>(THEME.length + TOPICS.length * TOPIC_SIZE);
        Collections.addAll(all, THEME);
        for (String[] topic : TOPICS) {
            Collections.addAll(all, topic);
        }
        return Collections.unmodifiableList(all);
    }
}
