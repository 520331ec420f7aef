package dev.canopy.topology;

import dev.canopy.core.events.TokenRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The texts of in-flight rollouts in {@link Stores#TEXTS_IN_FLIGHT}, one entry per piece, so that a
 * token costs a few small store operations however long its rollout already is (rewriting the whole
 * text per token made keeping text quadratic in the rollout's length). Same rule as the replay's
 * {@link dev.canopy.core.assembly.TextBuffer}: the first piece of a position wins, and a piece that
 * would take the rollout beyond {@code maxChars} characters is dropped on arrival.
 *
 * <p>Keys: "rollout_id\0" + 8 hex digits of the position -> the piece in UTF-8, and "rollout_id\0~" ->
 * the characters kept so far (4 bytes). A rollout's entries are found by a prefix scan on "rollout_id\0";
 * keys whose suffix is not exactly one of those two forms belong to another rollout id that happens to
 * start with this one and a NUL, and are skipped.
 */
final class InFlightTexts {

    private static final char SEP = '\u0000';
    private static final String COUNT = "~";

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
        String countKey = r.rolloutId() + SEP + COUNT;
        int chars = -1;
        boolean changed = false;
        for (int i = 0; i < texts.length; i++) {
            String t = texts[i];
            if (t == null) {
                continue;
            }
            String key = pieceKey(r.rolloutId(), positions[i]);
            if (store.get(key) != null) {
                continue;
            }
            if (chars < 0) {
                byte[] c = store.get(countKey);
                chars = c == null ? 0 : ByteBuffer.wrap(c).getInt();
            }
            if (chars + t.length() > maxChars) {
                continue;
            }
            store.put(key, t.getBytes(StandardCharsets.UTF_8));
            chars += t.length();
            changed = true;
        }
        if (changed) {
            store.put(countKey, ByteBuffer.allocate(4).putInt(chars).array());
        }
    }

    /** Removes the rollout's entries and returns its text in position order ("" when it had none). */
    String take(String rolloutId) {
        String prefix = rolloutId + SEP;
        List<String> keys = new ArrayList<>();
        StringBuilder sb = new StringBuilder();
        try (KeyValueIterator<String, byte[]> it = store.prefixScan(prefix, Serdes.String().serializer())) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> kv = it.next();
                String suffix = kv.key.substring(prefix.length());
                if (suffix.equals(COUNT)) {
                    keys.add(kv.key);
                } else if (suffix.length() == 8 && suffix.indexOf(SEP) < 0) {
                    keys.add(kv.key);
                    sb.append(new String(kv.value, StandardCharsets.UTF_8));
                }
            }
        }
        keys.forEach(store::delete);
        return sb.toString();
    }

    /** Hex positions sort in position order (positions are non-negative ints). */
    private static String pieceKey(String rolloutId, int position) {
        return rolloutId + SEP + String.format("%08x", position);
    }
}
