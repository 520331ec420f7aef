package dev.canopy.core.replay;

import dev.canopy.core.events.TokenRecord;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Assembles the generated text of in-flight rollouts from the {@code text} of their token events, for
 * semantic diversity. Pieces may arrive out of order and repeated (the first piece of a position
 * wins, as for entropies); each rollout keeps at most {@code maxChars} characters (the beginning of
 * the text in position order once complete: pieces beyond the budget are dropped on arrival).
 * The text is generated content: it is never logged.
 */
public final class RolloutTexts {

    private final int maxChars;
    private final Map<String, Buffer> buffers = new HashMap<>();

    private static final class Buffer {
        final TreeMap<Integer, String> pieces = new TreeMap<>();
        int chars;
    }

    public RolloutTexts(int maxChars) {
        if (maxChars < 1) {
            throw new IllegalArgumentException("text budget must be positive, got " + maxChars);
        }
        this.maxChars = maxChars;
    }

    /** Adds the texts of an accepted record's steps. */
    public void add(TokenRecord record) {
        String[] texts = record.texts();
        if (texts == null) {
            return;
        }
        Buffer b = null;
        int[] positions = record.positions();
        for (int i = 0; i < texts.length; i++) {
            String t = texts[i];
            if (t == null) {
                continue;
            }
            if (b == null) {
                b = buffers.computeIfAbsent(record.rolloutId(), k -> new Buffer());
            }
            if (!b.pieces.containsKey(positions[i]) && b.chars + t.length() <= maxChars) {
                b.pieces.put(positions[i], t);
                b.chars += t.length();
            }
        }
    }

    /** Removes and returns the rollout's text in position order ("" when it carried none). */
    public String take(String rolloutId) {
        Buffer b = buffers.remove(rolloutId);
        if (b == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder(b.chars);
        b.pieces.values().forEach(sb::append);
        return sb.toString();
    }

    /** Forgets a rollout (abandoned). */
    public void drop(String rolloutId) {
        buffers.remove(rolloutId);
    }

    public int inFlight() {
        return buffers.size();
    }
}
