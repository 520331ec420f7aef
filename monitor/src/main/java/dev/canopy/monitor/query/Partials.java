package dev.canopy.monitor.query;

import dev.canopy.core.stats.GroupAccumulator;
import dev.canopy.core.stats.GroupKey;
import dev.canopy.semantic.SemanticCodec;
import dev.canopy.topology.StoreReports;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/** Binary form of one instance's cumulative state, exchanged between instances for the report API. */
final class Partials {

    private static final int MAGIC = 0x43414e32; // "CAN2": with semantic results

    private Partials() {
    }

    static byte[] encode(StoreReports.Partial p) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(MAGIC);
            out.writeInt(p.groups().size());
            for (Map.Entry<GroupKey, GroupAccumulator> e : p.groups().entrySet()) {
                out.writeUTF(e.getKey().model());
                out.writeUTF(e.getKey().release());
                e.getValue().write(out);
            }
            out.writeInt(p.rejections().size());
            for (Map.Entry<String, Long> e : p.rejections().entrySet()) {
                out.writeUTF(e.getKey());
                out.writeLong(e.getValue());
            }
            out.writeInt(p.semantic().size());
            for (Map.Entry<GroupKey, SemanticCodec.Result> e : p.semantic().entrySet()) {
                out.writeUTF(e.getKey().model());
                out.writeUTF(e.getKey().release());
                SemanticCodec.write(out, e.getValue().metrics(), e.getValue().counts());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static StoreReports.Partial decode(byte[] data) throws IOException {
        StoreReports.Partial p = StoreReports.Partial.empty();
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            if (in.readInt() != MAGIC) {
                throw new IOException("not a Canopy partial state");
            }
            int groups = in.readInt();
            for (int i = 0; i < groups; i++) {
                GroupKey key = new GroupKey(in.readUTF(), in.readUTF());
                p.groups().put(key, GroupAccumulator.read(in));
            }
            int reasons = in.readInt();
            for (int i = 0; i < reasons; i++) {
                p.rejections().put(in.readUTF(), in.readLong());
            }
            int semantic = in.readInt();
            for (int i = 0; i < semantic; i++) {
                GroupKey key = new GroupKey(in.readUTF(), in.readUTF());
                p.semantic().put(key, SemanticCodec.read(in));
            }
        }
        return p;
    }
}
