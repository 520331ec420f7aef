package dev.canopy.core.assembly;

import dev.canopy.core.events.Estimator;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The assembly state of one in-flight rollout: O(1) fields plus a compact record of the positions seen.
 * Positions below {@code prefix} are all present; a bit set is allocated only when a position arrives
 * ahead of the prefix (out-of-order delivery), so in-order streams keep no per-position memory at all.
 * Entropies are summed as steps arrive; no per-token object is retained.
 *
 * <p>Completion rule (EVENTS.md): the final record has arrived, fixing the last position, and every
 * position 0..last is present. A position beyond the declared last position makes the rollout
 * inconsistent: it cannot complete and will expire as abandoned.
 */
public final class RolloutState {

    private final String model;
    private final String release;
    private final String promptId;
    private String finishReason;
    private int prefix;
    private int maxPosition = -1;
    private int lastPosition = -1;
    private long[] ahead;
    // fixed-point sums (see FixedPointSum): integer parts and fractions in units of 2^-60
    private long entropyWhole;
    private long entropyFraction;
    private long upperWhole;
    private long upperFraction;
    private int exactSteps;
    private int topkSteps;
    private int surprisalSteps;
    private long lastEventTime;
    private long lastActivity;

    public RolloutState(String model, String release, String promptId) {
        this.model = model;
        this.release = release;
        this.promptId = promptId;
    }

    /**
     * Adds one step. Returns false, changing nothing, when the position was seen before (a producer
     * retry: the first one wins).
     */
    public boolean addStep(int position, double entropy, double upper, Estimator estimator) {
        if (position < prefix) {
            return false;
        }
        if (position == prefix) {
            prefix++;
            while (ahead != null && isAhead(prefix)) {
                prefix++;
            }
        } else {
            if (isAhead(position)) {
                return false;
            }
            setAhead(position);
        }
        maxPosition = Math.max(maxPosition, position);
        entropyWhole += FixedPointSum.whole(entropy);
        entropyFraction += FixedPointSum.fraction(entropy);
        if (entropyFraction >= FixedPointSum.ONE) {
            entropyFraction -= FixedPointSum.ONE;
            entropyWhole++;
        }
        upperWhole += FixedPointSum.whole(upper);
        upperFraction += FixedPointSum.fraction(upper);
        if (upperFraction >= FixedPointSum.ONE) {
            upperFraction -= FixedPointSum.ONE;
            upperWhole++;
        }
        switch (estimator) {
            case EXACT -> exactSteps++;
            case TOPK -> topkSteps++;
            case SURPRISAL -> surprisalSteps++;
        }
        return true;
    }

    /** Records the final record's last position and finish reason; the first final record wins. */
    public void markFinal(int lastPosition, String finishReason) {
        if (this.lastPosition < 0) {
            this.lastPosition = lastPosition;
            this.finishReason = finishReason;
        }
    }

    public void touch(long eventTime, long activityTime) {
        this.lastEventTime = Math.max(this.lastEventTime, eventTime);
        this.lastActivity = activityTime;
    }

    public boolean isComplete() {
        return lastPosition >= 0 && prefix == lastPosition + 1 && maxPosition == lastPosition;
    }

    /** Distinct positions seen so far. */
    public int positionsSeen() {
        int n = prefix;
        if (ahead != null) {
            int firstWord = prefix >>> 6;
            for (int w = firstWord; w < ahead.length; w++) {
                long word = ahead[w];
                if (w == firstWord) {
                    word &= -1L << (prefix & 63);
                }
                n += Long.bitCount(word);
            }
        }
        return n;
    }

    public CompletedRollout toCompleted(String rolloutId) {
        return new CompletedRollout(model, release, rolloutId, promptId, lastPosition + 1, FixedPointSum.value(entropyWhole, entropyFraction), FixedPointSum.value(upperWhole, upperFraction),
                finishReason, exactSteps, topkSteps, surprisalSteps, lastEventTime, false);
    }

    public CompletedRollout toAbandoned(String rolloutId) {
        return new CompletedRollout(model, release, rolloutId, promptId, positionsSeen(), FixedPointSum.value(entropyWhole, entropyFraction), FixedPointSum.value(upperWhole, upperFraction),
                finishReason, exactSteps, topkSteps, surprisalSteps, lastEventTime, true);
    }

    public String model() {
        return model;
    }

    public String release() {
        return release;
    }

    public String promptId() {
        return promptId;
    }

    public long lastActivity() {
        return lastActivity;
    }

    private boolean isAhead(int position) {
        int word = position >>> 6;
        return ahead != null && word < ahead.length && (ahead[word] & (1L << (position & 63))) != 0;
    }

    private void setAhead(int position) {
        int word = position >>> 6;
        if (ahead == null) {
            ahead = new long[Math.max(word + 1, 2)];
        } else if (word >= ahead.length) {
            ahead = Arrays.copyOf(ahead, Math.max(word + 1, ahead.length * 2));
        }
        ahead[word] |= 1L << (position & 63);
    }

    // ---- binary form, for state stores and changelogs ----

    private static final byte VERSION = 2;
    private static final byte COMPLETED = 3;

    public byte[] toBytes() {
        byte[] m = model.getBytes(StandardCharsets.UTF_8);
        byte[] r = release.getBytes(StandardCharsets.UTF_8);
        byte[] p = promptId.getBytes(StandardCharsets.UTF_8);
        byte[] f = finishReason == null ? null : finishReason.getBytes(StandardCharsets.UTF_8);
        int firstWord = ahead == null ? 0 : prefix >>> 6;
        int words = ahead == null ? 0 : Math.max(ahead.length - firstWord, 0);
        int size = 1 + 4 * 4 + m.length + r.length + p.length + (f == null ? 0 : f.length)
                + 4 * 4 + 8 * 4 + 4 * 3 + 8 * 2 + 4 + 8 * words;
        ByteBuffer b = ByteBuffer.allocate(size);
        b.put(VERSION);
        putBytes(b, m);
        putBytes(b, r);
        putBytes(b, p);
        putBytes(b, f);
        b.putInt(prefix).putInt(maxPosition).putInt(lastPosition).putInt(firstWord);
        b.putLong(entropyWhole).putLong(entropyFraction).putLong(upperWhole).putLong(upperFraction);
        b.putInt(exactSteps).putInt(topkSteps).putInt(surprisalSteps);
        b.putLong(lastEventTime).putLong(lastActivity);
        b.putInt(words);
        for (int w = 0; w < words; w++) {
            b.putLong(ahead[firstWord + w]);
        }
        return b.array();
    }

    /**
     * The marker kept, after a rollout completed, until the idle timeout: records of that rollout
     * arriving later (producer retries) are ignored instead of starting a phantom rollout. 9 bytes.
     */
    public static byte[] completedMarker(long activityTime) {
        return ByteBuffer.allocate(9).put(COMPLETED).putLong(activityTime).array();
    }

    /** Whether these bytes are a {@link #completedMarker}. */
    public static boolean isCompletedMarker(byte[] bytes) {
        return bytes.length > 0 && bytes[0] == COMPLETED;
    }

    /** The time a marker or a state last saw activity. */
    public static long activityOf(byte[] bytes) {
        return isCompletedMarker(bytes) ? ByteBuffer.wrap(bytes, 1, 8).getLong() : fromBytes(bytes).lastActivity();
    }

    public static RolloutState fromBytes(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        byte version = b.get();
        if (version != VERSION) {
            throw new IllegalArgumentException("unsupported rollout state version " + version);
        }
        String model = getString(b);
        String release = getString(b);
        String prompt = getString(b);
        RolloutState s = new RolloutState(model, release, prompt);
        s.finishReason = getString(b);
        s.prefix = b.getInt();
        s.maxPosition = b.getInt();
        s.lastPosition = b.getInt();
        int firstWord = b.getInt();
        s.entropyWhole = b.getLong();
        s.entropyFraction = b.getLong();
        s.upperWhole = b.getLong();
        s.upperFraction = b.getLong();
        s.exactSteps = b.getInt();
        s.topkSteps = b.getInt();
        s.surprisalSteps = b.getInt();
        s.lastEventTime = b.getLong();
        s.lastActivity = b.getLong();
        int words = b.getInt();
        if (words > 0) {
            s.ahead = new long[firstWord + words];
            for (int w = 0; w < words; w++) {
                s.ahead[firstWord + w] = b.getLong();
            }
        }
        return s;
    }

    private static void putBytes(ByteBuffer b, byte[] v) {
        if (v == null) {
            b.putInt(-1);
        } else {
            b.putInt(v.length).put(v);
        }
    }

    private static String getString(ByteBuffer b) {
        int n = b.getInt();
        if (n < 0) {
            return null;
        }
        String s = new String(b.array(), b.position(), n, StandardCharsets.UTF_8);
        b.position(b.position() + n);
        return s;
    }
}
