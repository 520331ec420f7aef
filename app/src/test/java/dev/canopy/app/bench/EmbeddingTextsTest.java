package dev.canopy.app.bench;

import dev.canopy.simulator.TokenText;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The rollout texts the semantic stage embeds (the model itself is not needed here). */
class EmbeddingTextsTest {

    private static int words(String text) {
        return text.isBlank() ? 0 : text.trim().split(" ").length;
    }

    @Test
    void longTextsHaveExactlyTheWordsAskedForAndOnlyTheFleetsWords() {
        EmbeddingThroughput.Texts t = EmbeddingThroughput.longTexts(42, 16, 250);
        assertEquals(16, t.texts().size());
        assertEquals(250, t.meanWords());
        Set<String> vocabulary = new HashSet<>(TokenText.words());
        for (String text : t.texts()) {
            assertEquals(250, words(text), text);
            assertTrue(text.startsWith(" "), "pieces carry their leading space");
            for (String w : text.trim().split(" ")) {
                assertTrue(vocabulary.contains(w), w);
            }
        }
    }

    @Test
    void shortTextsAreWholeRolloutsAndReportTheirMeanLength() {
        EmbeddingThroughput.Texts t = EmbeddingThroughput.shortTexts(42, 400);
        assertEquals(400, t.texts().size());
        double sum = 0;
        for (String text : t.texts()) {
            sum += words(text);
        }
        assertEquals(sum / 400, t.meanWords(), 1e-9);
        // the fleet's rollouts average about 33 tokens (EOS, which has no text, included)
        assertTrue(t.meanWords() > 20 && t.meanWords() < 50, "mean " + t.meanWords());
        assertTrue(t.texts().stream().anyMatch(s -> words(s) > 60), "lengths vary as the chains' do");
    }

    @Test
    void textsAreTheSameForTheSameSeed() {
        List<String> a = EmbeddingThroughput.shortTexts(7, 50).texts();
        assertEquals(a, EmbeddingThroughput.shortTexts(7, 50).texts());
        assertFalse(a.equals(EmbeddingThroughput.shortTexts(8, 50).texts()));
        assertEquals(EmbeddingThroughput.longTexts(7, 4, 100).texts(), EmbeddingThroughput.longTexts(7, 4, 100).texts());
    }
}
