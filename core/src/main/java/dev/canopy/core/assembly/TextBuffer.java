package dev.canopy.core.assembly;

import dev.canopy.core.events.TokenRecord;

import java.util.TreeMap;

/**
 * The generated text of one in-flight rollout, assembled from the {@code text} of its token events for
 * semantic diversity. Pieces may arrive out of order and repeated: the first piece of a position wins
 * (as for entropies). At most {@code maxChars} characters are kept: a piece that would exceed the
 * budget is dropped on arrival, so once complete the text is its beginning in position order whenever
 * the pieces arrived in order. Generated content: never log it.
 *
 * <p>The streaming monitor applies the same rule to a state store (the topology's InFlightTexts).
 */
public final class TextBuffer {

    private final TreeMap<Integer, String> pieces = new TreeMap<>();
    private int chars;

    /** Adds the texts of a record's steps; returns whether anything was kept. */
    public boolean add(TokenRecord record, int maxChars) {
        String[] texts = record.texts();
        if (texts == null) {
            return false;
        }
        int[] positions = record.positions();
        boolean changed = false;
        for (int i = 0; i < texts.length; i++) {
            String t = texts[i];
            if (t != null && !pieces.containsKey(positions[i]) && chars + t.length() <= maxChars) {
                pieces.put(positions[i], t);
                chars += t.length();
                changed = true;
            }
        }
        return changed;
    }

    /** Whether any step of the record carries text (cheap check before touching a store). */
    public static boolean hasText(TokenRecord record) {
        String[] texts = record.texts();
        if (texts == null) {
            return false;
        }
        for (String t : texts) {
            if (t != null) {
                return true;
            }
        }
        return false;
    }

    /** The text in position order. */
    public String text() {
        StringBuilder sb = new StringBuilder(chars);
        pieces.values().forEach(sb::append);
        return sb.toString();
    }

    public int chars() {
        return chars;
    }
}
