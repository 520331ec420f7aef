package dev.canopy.core.replay;

import dev.canopy.core.assembly.TextBuffer;
import dev.canopy.core.events.TokenRecord;

import java.util.HashMap;
import java.util.Map;

/**
 * The texts of a replay's in-flight rollouts, one {@link TextBuffer} each (first piece of a position
 * wins; at most {@code maxChars} characters a rollout). The text is generated content: it is never logged.
 */
public final class RolloutTexts {

    private final int maxChars;
    private final Map<String, TextBuffer> buffers = new HashMap<>();

    public RolloutTexts(int maxChars) {
        if (maxChars < 1) {
            throw new IllegalArgumentException("text budget must be positive, got " + maxChars);
        }
        this.maxChars = maxChars;
    }

    /** Adds the texts of an accepted record's steps. */
    public void add(TokenRecord record) {
        if (TextBuffer.hasText(record)) {
            buffers.computeIfAbsent(record.rolloutId(), k -> new TextBuffer()).add(record, maxChars);
        }
    }

    /** Removes and returns the rollout's text in position order ("" when it carried none). */
    public String take(String rolloutId) {
        TextBuffer b = buffers.remove(rolloutId);
        return b == null ? "" : b.text();
    }

    /** Forgets a rollout (abandoned). */
    public void drop(String rolloutId) {
        buffers.remove(rolloutId);
    }

    public int inFlight() {
        return buffers.size();
    }
}
