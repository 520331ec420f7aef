package dev.canopy.analysis.compare;

import dev.canopy.testsupport.WordCountEmbedder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Hand-made event files whose token events carry text and exact entropies.
 *
 * <p>{@link #write} uses the words w0..w7 of {@link WordCountEmbedder}. Each rollout of a prompt has an entropy
 * rate r drawn uniformly from [1, 3] (every step has entropy r, so the rollout's rate is exactly r) and 4 to
 * 12 tokens. Each token is the prompt's own word with probability q, else a uniformly drawn word, where
 * q = c (3 − r) / 2 + (1 − c) u with u uniform on [0, 1] and c the release's coupling: with c = 1
 * high-entropy rollouts wander off their prompt's word, so their diversity d rises with r; with c = 0
 * diversity and rate are unrelated.
 */
final class TextEvents {

    static final String MODEL = "text-model";

    /**
     * One release of the file.
     *
     * @param promptPrefix prefix of its prompt ids; null for traffic without prompt ids
     * @param coupling     c above, in [0, 1]
     */
    record Release(String name, String promptPrefix, double coupling) {
    }

    private TextEvents() {
    }

    static Path write(Path file, long seed, int prompts, int rollouts, Release... releases) {
        SplittableRandom rng = new SplittableRandom(seed);
        StringBuilder out = new StringBuilder();
        for (Release release : releases) {
            for (int p = 0; p < prompts; p++) {
                String promptId = release.promptPrefix() == null ? null : release.promptPrefix() + "p" + p;
                int own = p % WordCountEmbedder.DIMENSION;
                for (int j = 0; j < rollouts; j++) {
                    double rate = 1 + 2 * rng.nextDouble();
                    double q = release.coupling() * (3 - rate) / 2 + (1 - release.coupling()) * rng.nextDouble();
                    int length = 4 + rng.nextInt(9);
                    String[] words = new String[length];
                    for (int t = 0; t < length; t++) {
                        words[t] = "w" + (rng.nextDouble() < q ? own : rng.nextInt(WordCountEmbedder.DIMENSION));
                    }
                    rollout(out, release.name(), release.name() + "-" + p + "-" + j, promptId, rate, words);
                }
            }
        }
        return save(file, out);
    }

    /** One rollout per sentence, a token per word (entropy 1 + 0.1 × the word's length), prompt ids as given. */
    static Path sentences(Path file, String release, List<List<String>> promptsThenSentences) {
        StringBuilder out = new StringBuilder();
        for (int p = 0; p < promptsThenSentences.size(); p++) {
            List<String> sentences = promptsThenSentences.get(p);
            for (int j = 0; j < sentences.size(); j++) {
                String[] words = sentences.get(j).split(" ");
                StringBuilder line = new StringBuilder();
                for (int t = 0; t < words.length; t++) {
                    rolloutStep(line, release, release + "-" + p + "-" + j, "q" + p, t, 1 + 0.1 * words[t].length(),
                            (t == 0 ? "" : " ") + words[t], t == words.length - 1);
                }
                out.append(line);
            }
        }
        return save(file, out);
    }

    private static void rollout(StringBuilder out, String release, String rolloutId, String promptId, double rate, String[] words) {
        for (int t = 0; t < words.length; t++) {
            rolloutStep(out, release, rolloutId, promptId, t, rate, (t == 0 ? "" : " ") + words[t], t == words.length - 1);
        }
    }

    private static void rolloutStep(StringBuilder out, String release, String rolloutId, String promptId, int position,
                                    double entropy, String text, boolean last) {
        out.append(String.format(Locale.ROOT, "{\"model\":\"%s\",\"release\":\"%s\",\"rollout_id\":\"%s\",%s\"position\":%d,"
                        + "\"entropy\":%s,\"text\":\"%s\"%s}%n",
                MODEL, release, rolloutId, promptId == null ? "" : "\"prompt_id\":\"" + promptId + "\",", position,
                Double.toString(entropy), text, last ? ",\"final\":true,\"finish_reason\":\"stop\"" : ""));
    }

    private static Path save(Path file, CharSequence content) {
        try {
            Files.writeString(file, content, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }
}
