package dev.canopy.topology;

import dev.canopy.core.events.TokenRecord;
import org.apache.kafka.streams.state.KeyValueStore;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * The texts of in-flight rollouts in {@link StoreNames#TEXTS_IN_FLIGHT}, one entry per rollout whose value
 * is only ever appended to: the characters kept so far, then (position, length, UTF-8 bytes) per piece
 * in arrival order. A token costs a scan of the piece headers and one array copy; no piece is decoded
 * until the rollout ends (decoding and re-encoding the whole text per token made keeping text the
 * largest cost of the stream thread). One key per rollout also lets the store's cache coalesce a
 * rollout's writes into one changelog record per commit. Same rule as the replay's
 * {@link dev.canopy.core.assembly.TextBuffer}: the first piece of a position wins, and a piece that
 * would take the rollout beyond {@code maxChars} characters is dropped on arrival.
 */
final class InFlightTexts {

    private final KeyValueStore<String, byte[]> store;
    private final int maxChars;

    InFlightTexts(KeyValueStore<String, byte[]> store, int maxChars) {
        this.store = store;
        this.maxChars = maxChars;
    }

    /** Keeps the record's text pieces that are new and fit the budget. */
    void add(TokenRecord r) {
        String[] texts = r.texts();
        int[] positions = r.positions();
        byte[] old = store.get(r.rolloutId());
        int chars = old == null ? 0 : ByteBuffer.wrap(old).getInt();
        byte[][] added = null;
        int addedBytes = 0;
        for (int i = 0; i < texts.length; i++) {
            String t = texts[i];
            if (t == null || chars + t.length() > maxChars || contains(old, positions[i]) || addedEarlier(positions, added, i)) {
                continue;
            }
            if (added == null) {
                added = new byte[texts.length][];
            }
            added[i] = t.getBytes(StandardCharsets.UTF_8);
            addedBytes += 8 + added[i].length;
            chars += t.length();
        }
        if (added == null) {
            return;
        }
        ByteBuffer out = ByteBuffer.allocate((old == null ? 4 : old.length) + addedBytes);
        out.putInt(chars);
        if (old != null) {
            out.put(old, 4, old.length - 4);
        }
        for (int i = 0; i < added.length; i++) {
            if (added[i] != null) {
                out.putInt(positions[i]).putInt(added[i].length).put(added[i]);
            }
        }
        store.put(r.rolloutId(), out.array());
    }

    private static boolean contains(byte[] value, int position) {
        if (value == null) {
            return false;
        }
        ByteBuffer b = ByteBuffer.wrap(value);
        b.position(4);
        while (b.hasRemaining()) {
            int at = b.getInt();
            int length = b.getInt();
            if (at == position) {
                return true;
            }
            b.position(b.position() + length);
        }
        return false;
    }

    /** Whether an earlier step of the same record already brought this position. */
    private static boolean addedEarlier(int[] positions, byte[][] added, int i) {
        if (added == null) {
            return false;
        }
        for (int j = 0; j < i; j++) {
            if (added[j] != null && positions[j] == positions[i]) {
                return true;
            }
        }
        return false;
    }

    /** Removes the rollout's entry and returns its text in position order ("" when it had none). */
    String take(String rolloutId) {
        byte[] value = store.delete(rolloutId);
        if (value == null) {
            return "";
        }
        TreeMap<Integer, String> pieces = new TreeMap<>();
        ByteBuffer b = ByteBuffer.wrap(value);
        b.position(4);
        while (b.hasRemaining()) {
            int position = b.getInt();
            int length = b.getInt();
            pieces.put(position, new String(value, b.position(), length, StandardCharsets.UTF_8));
            b.position(b.position() + length);
        }
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<Integer, String> e : pieces.entrySet()) {
            sb.append(e.getValue());
        }
        return sb.toString();
    }
}
