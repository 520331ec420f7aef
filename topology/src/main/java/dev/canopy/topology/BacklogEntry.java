package dev.canopy.topology;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A completed rollout the semantic sample keeps, waiting in {@link StoreNames#SEMANTIC_BACKLOG} for the
 * embedding budget: what its embedding entry needs, and its text.
 *
 * <p>Binary form: group, prompt id and text as length-prefixed UTF-8, then hash, length and rate.
 */
record BacklogEntry(String group, String promptId, long hash, int length, double rate, String text) {

    byte[] toBytes() {
        byte[] g = group.getBytes(StandardCharsets.UTF_8);
        byte[] p = promptId.getBytes(StandardCharsets.UTF_8);
        byte[] t = text.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(12 + g.length + p.length + t.length + 20)
                .putInt(g.length).put(g).putInt(p.length).put(p).putInt(t.length).put(t)
                .putLong(hash).putInt(length).putDouble(rate).array();
    }

    static BacklogEntry fromBytes(byte[] b) {
        ByteBuffer buf = ByteBuffer.wrap(b);
        String g = string(buf);
        String p = string(buf);
        String t = string(buf);
        return new BacklogEntry(g, p, buf.getLong(), buf.getInt(), buf.getDouble(), t);
    }

    private static String string(ByteBuffer buf) {
        byte[] s = new byte[buf.getInt()];
        buf.get(s);
        return new String(s, StandardCharsets.UTF_8);
    }
}
