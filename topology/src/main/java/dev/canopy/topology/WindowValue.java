package dev.canopy.topology;

import dev.canopy.core.stats.GroupAccumulator;

import java.nio.ByteBuffer;

/**
 * A rolling window as kept in {@link StoreNames#WINDOWS}: its bounds (epoch ms, end exclusive), whether it
 * is closed (final) or still provisional, and the merged accumulator of its rollouts.
 */
public record WindowValue(long start, long end, boolean closed, GroupAccumulator accumulator) {

    public byte[] toBytes() {
        byte[] acc = accumulator.toBytes();
        return ByteBuffer.allocate(17 + acc.length).putLong(start).putLong(end).put((byte) (closed ? 1 : 0)).put(acc).array();
    }

    public static WindowValue fromBytes(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        long start = b.getLong();
        long end = b.getLong();
        boolean closed = b.get() == 1;
        byte[] acc = new byte[b.remaining()];
        b.get(acc);
        return new WindowValue(start, end, closed, GroupAccumulator.fromBytes(acc));
    }
}
