package dev.canopy.core.shift;

import dev.canopy.core.assembly.CompletedRollout;
import dev.canopy.core.stats.PromptSampling;
import dev.canopy.core.stats.Moments;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the shift detector keeps per model and release: streamed moments of the rollout entropy H and
 * length N (for CE* and GenPPL), of N and the entropy rate r (for the branching factor, the mean rate and
 * rho over all rollouts), and per prompt the (N, r) moments for the prompt-pooled Fisher-z rho. A few
 * hundred bytes plus about 60 bytes a prompt; prompts beyond the cap are sampled by id hash as in
 * {@link dev.canopy.core.stats.GroupAccumulator}. Mergeable in any order.
 */
public final class ShiftStats {

    private static final byte VERSION = 1;

    private final int maxPrompts;
    private final Moments entropyLength = new Moments();
    private final Moments lengthRate = new Moments();
    private final TreeMap<String, Moments> prompts = new TreeMap<>();
    private long promptThreshold = -1L;
    private long firstSeen = Long.MAX_VALUE;
    private long lastSeen = Long.MIN_VALUE;

    public ShiftStats(int maxPrompts) {
        this.maxPrompts = maxPrompts;
    }

    public void add(CompletedRollout r) {
        if (r.abandoned()) {
            return;
        }
        firstSeen = Math.min(firstSeen, r.completedAt());
        lastSeen = Math.max(lastSeen, r.completedAt());
        entropyLength.add(r.entropySum(), r.length());
        lengthRate.add(r.length(), r.entropyRate());
        Moments m = prompts.get(r.promptId());
        if (m == null) {
            if (!PromptSampling.admits(r.promptId(), promptThreshold)) {
                return;
            }
            m = new Moments();
            prompts.put(r.promptId(), m);
            m.add(r.length(), r.entropyRate());
            promptThreshold = PromptSampling.enforce(prompts, maxPrompts, promptThreshold);
            return;
        }
        m.add(r.length(), r.entropyRate());
    }

    public void merge(ShiftStats o) {
        firstSeen = Math.min(firstSeen, o.firstSeen);
        lastSeen = Math.max(lastSeen, o.lastSeen);
        entropyLength.merge(o.entropyLength);
        lengthRate.merge(o.lengthRate);
        promptThreshold = PromptSampling.min(promptThreshold, o.promptThreshold);
        o.prompts.forEach((k, v) -> prompts.computeIfAbsent(k, x -> new Moments()).merge(v));
        promptThreshold = PromptSampling.enforce(prompts, maxPrompts, promptThreshold);
    }

    public long rollouts() {
        return entropyLength.count();
    }

    /** Moments of (H, N) over all rollouts. */
    public Moments entropyAndLength() {
        return entropyLength;
    }

    /** Moments of (N, r) over all rollouts. */
    public Moments lengthAndRate() {
        return lengthRate;
    }

    public Map<String, Moments> prompts() {
        return java.util.Collections.unmodifiableMap(prompts);
    }

    public long firstSeen() {
        return firstSeen;
    }

    public long lastSeen() {
        return lastSeen;
    }

    public byte[] toBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(VERSION);
            out.writeInt(maxPrompts);
            out.writeLong(promptThreshold);
            out.writeLong(firstSeen);
            out.writeLong(lastSeen);
            entropyLength.write(out);
            lengthRate.write(out);
            out.writeInt(prompts.size());
            for (Map.Entry<String, Moments> e : prompts.entrySet()) {
                out.writeUTF(e.getKey());
                e.getValue().write(out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static ShiftStats fromBytes(byte[] data) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            if (in.readByte() != VERSION) {
                throw new IOException("unsupported shift statistics version");
            }
            ShiftStats s = new ShiftStats(in.readInt());
            s.promptThreshold = in.readLong();
            s.firstSeen = in.readLong();
            s.lastSeen = in.readLong();
            s.entropyLength.merge(Moments.read(in));
            s.lengthRate.merge(Moments.read(in));
            int n = in.readInt();
            for (int i = 0; i < n; i++) {
                s.prompts.put(in.readUTF(), Moments.read(in));
            }
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
