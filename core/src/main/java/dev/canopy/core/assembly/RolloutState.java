package dev.canopy.core.assembly;

import dev.canopy.core.events.Estimator;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The assembly state of one in-flight rollout: O(1) fields plus a compact record of the positions seen.
 * Positions below {@code prefix} are all present; positions that arrive ahead of the prefix
 * (out-of-order delivery) are kept in a sparse bit set: only the 64-position words holding at least one
 * such position are stored, as sorted (word index, bits) pairs. So the state costs O(1) for in-order
 * streams and at most 12 bytes per out-of-order token received, whatever the position values: a lone
 * token at position 4,000,000 costs one word, not 62,500. Entropies are summed as steps arrive; no
 * per-token object is retained.
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
    /** Sorted indices (position / 64) of the words in {@link #aheadBits}; the first {@link #aheadWords} are used. */
    private int[] aheadIndex;
    private long[] aheadBits;
    private int aheadWords;
    /** A completed marker (see {@link #completedMarker}), not an in-flight rollout. */
    private boolean completedMarker;
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
            if (aheadWords > 0) {
                advancePrefix();
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
        int firstWord = prefix >>> 6;
        for (int k = 0; k < aheadWords; k++) {
            long word = aheadBits[k];
            if (aheadIndex[k] == firstWord) {
                word &= -1L << (prefix & 63);
            }
            n += Long.bitCount(word);
        }
        return n;
    }

    /** Words of out-of-order positions held (each 12 bytes in the binary form). */
    public int aheadWords() {
        return aheadWords;
    }

    /** Whether this is a completed marker rather than an in-flight rollout. */
    public boolean isCompletedMarker() {
        return completedMarker;
    }

    /** The final record's last position, or -1 before it arrived (or when a marker does not know it). */
    public int lastPosition() {
        return lastPosition;
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

    private int findWord(int word) {
        return aheadWords == 0 ? -1 : Arrays.binarySearch(aheadIndex, 0, aheadWords, word);
    }

    private boolean isAhead(int position) {
        int k = findWord(position >>> 6);
        return k >= 0 && (aheadBits[k] & (1L << (position & 63))) != 0;
    }

    private void setAhead(int position) {
        int word = position >>> 6;
        int k = findWord(word);
        if (k < 0) {
            k = aheadWords == 0 ? 0 : -k - 1;
            if (aheadIndex == null) {
                aheadIndex = new int[4];
                aheadBits = new long[4];
            } else if (aheadWords == aheadIndex.length) {
                aheadIndex = Arrays.copyOf(aheadIndex, aheadWords * 2);
                aheadBits = Arrays.copyOf(aheadBits, aheadWords * 2);
            }
            System.arraycopy(aheadIndex, k, aheadIndex, k + 1, aheadWords - k);
            System.arraycopy(aheadBits, k, aheadBits, k + 1, aheadWords - k);
            aheadIndex[k] = word;
            aheadBits[k] = 0;
            aheadWords++;
        }
        aheadBits[k] |= 1L << (position & 63);
    }

    /** Moves the prefix over positions that arrived ahead of it, then drops the words it has passed. */
    private void advancePrefix() {
        int k = findWord(prefix >>> 6);
        while (k >= 0 && k < aheadWords && aheadIndex[k] == prefix >>> 6) {
            long rest = aheadBits[k] >>> (prefix & 63);
            int run = Long.numberOfTrailingZeros(~rest);
            // rest has at most 64 - (prefix & 63) meaningful bits; the shift filled the top with zeros
            prefix += Math.min(run, 64 - (prefix & 63));
            if ((prefix & 63) != 0) {
                break; // a gap inside this word
            }
            k++;
        }
        int keepFrom = 0;
        int firstWord = prefix >>> 6;
        while (keepFrom < aheadWords && aheadIndex[keepFrom] < firstWord) {
            keepFrom++;
        }
        if (keepFrom < aheadWords && aheadIndex[keepFrom] == firstWord && (aheadBits[keepFrom] & (-1L << (prefix & 63))) == 0) {
            keepFrom++; // only positions the prefix has passed
        }
        if (keepFrom > 0) {
            System.arraycopy(aheadIndex, keepFrom, aheadIndex, 0, aheadWords - keepFrom);
            System.arraycopy(aheadBits, keepFrom, aheadBits, 0, aheadWords - keepFrom);
            aheadWords -= keepFrom;
        }
        if (aheadWords == 0) {
            aheadIndex = null;
            aheadBits = null;
        }
    }

    // ---- binary form, for state stores and changelogs ----

    /** Version 2 kept a dense bit set from the prefix's word on; still read, from changelogs written before. */
    private static final byte DENSE_VERSION = 2;
    private static final byte VERSION = 4;
    private static final byte COMPLETED = 3;

    public byte[] toBytes() {
        if (completedMarker) {
            throw new IllegalStateException("a completed marker is stored with completedMarker(activityTime, lastPosition)");
        }
        byte[] m = model.getBytes(StandardCharsets.UTF_8);
        byte[] r = release.getBytes(StandardCharsets.UTF_8);
        byte[] p = promptId.getBytes(StandardCharsets.UTF_8);
        byte[] f = finishReason == null ? null : finishReason.getBytes(StandardCharsets.UTF_8);
        int size = 1 + 4 * 4 + m.length + r.length + p.length + (f == null ? 0 : f.length)
                + 4 * 3 + 8 * 4 + 4 * 3 + 8 * 2 + 4 + 12 * aheadWords;
        ByteBuffer b = ByteBuffer.allocate(size);
        b.put(VERSION);
        putBytes(b, m);
        putBytes(b, r);
        putBytes(b, p);
        putBytes(b, f);
        b.putInt(prefix).putInt(maxPosition).putInt(lastPosition);
        b.putLong(entropyWhole).putLong(entropyFraction).putLong(upperWhole).putLong(upperFraction);
        b.putInt(exactSteps).putInt(topkSteps).putInt(surprisalSteps);
        b.putLong(lastEventTime).putLong(lastActivity);
        b.putInt(aheadWords);
        for (int k = 0; k < aheadWords; k++) {
            b.putInt(aheadIndex[k]).putLong(aheadBits[k]);
        }
        return b.array();
    }

    /**
     * The marker kept, after a rollout completed, until the idle timeout: records of that rollout
     * arriving later are ignored instead of starting a phantom rollout, and those holding a position
     * beyond {@code lastPosition} are told apart from producer retries. 13 bytes.
     */
    public static byte[] completedMarker(long activityTime, int lastPosition) {
        return ByteBuffer.allocate(13).put(COMPLETED).putLong(activityTime).putInt(lastPosition).array();
    }

    /** A completed marker as a state: {@link #isCompletedMarker()} true, its last position (-1 if unknown). */
    public static RolloutState completedMarkerState(int lastPosition) {
        RolloutState s = new RolloutState("", "", "");
        s.completedMarker = true;
        s.lastPosition = lastPosition;
        return s;
    }

    /** Whether these bytes are a {@link #completedMarker}. */
    public static boolean isCompletedMarker(byte[] bytes) {
        return bytes.length > 0 && bytes[0] == COMPLETED;
    }

    /** The time a marker or a state last saw activity. */
    public static long activityOf(byte[] bytes) {
        return isCompletedMarker(bytes) ? ByteBuffer.wrap(bytes, 1, 8).getLong() : fromBytes(bytes).lastActivity();
    }

    /** Reads a state written by {@link #toBytes()}, or a {@link #completedMarker} as a marker state. */
    public static RolloutState fromBytes(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        byte version = b.get();
        if (version == COMPLETED) {
            // markers written before they carried the last position are 9 bytes: last position unknown
            return completedMarkerState(bytes.length >= 13 ? ByteBuffer.wrap(bytes, 9, 4).getInt() : -1);
        }
        if (version != VERSION && version != DENSE_VERSION) {
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
        int firstWord = version == DENSE_VERSION ? b.getInt() : 0;
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
            s.aheadIndex = new int[words];
            s.aheadBits = new long[words];
            for (int w = 0; w < words; w++) {
                int index = version == DENSE_VERSION ? firstWord + w : b.getInt();
                long bits = b.getLong();
                if (bits != 0) {
                    s.aheadIndex[s.aheadWords] = index;
                    s.aheadBits[s.aheadWords] = bits;
                    s.aheadWords++;
                }
            }
            if (s.aheadWords == 0) {
                s.aheadIndex = null;
                s.aheadBits = null;
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
