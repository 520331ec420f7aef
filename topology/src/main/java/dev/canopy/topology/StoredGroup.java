package dev.canopy.topology;

import dev.canopy.core.stats.GroupAccumulator;

import java.nio.ByteBuffer;

/**
 * A release's cumulative accumulator as stored in {@link StoreNames#GROUPS}, with the sequence number of
 * the last pending rollout it includes: pending rollouts with a higher number are not in it yet.
 */
record StoredGroup(long foldedThrough, GroupAccumulator accumulator) {

    byte[] encode() {
        byte[] acc = accumulator.toBytes();
        return ByteBuffer.allocate(8 + acc.length).putLong(foldedThrough).put(acc).array();
    }

    static StoredGroup decode(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        long seq = b.getLong();
        byte[] acc = new byte[b.remaining()];
        b.get(acc);
        return new StoredGroup(seq, GroupAccumulator.fromBytes(acc));
    }
}
