package dev.canopy.core.stats;

import dev.canopy.core.assembly.CompletedRollout;
import dev.canopy.core.events.Estimator;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInput;
import java.io.DataInputStream;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything measured for one model and release: a {@link PromptAccumulator} per prompt group, one
 * over all rollouts regardless of prompt, and counters. Mergeable: the accumulators of two disjoint
 * sets of rollouts merge into that of their union in any order, which is what the streaming windows
 * (slices merged into a window) and several monitor instances (partial aggregates merged by the
 * query API) rely on.
 *
 * <p>Memory stays bounded. Per prompt, the (N, r) pairs are capped by {@link PairSample}. The number
 * of prompt groups is capped at {@code maxPrompts}: beyond it the group keeps the prompts whose id
 * hash is smallest (a uniform sample of prompts, merge- and order-independent like the pair sample),
 * so the prompt-pooled metrics become estimates over that sample; rollouts, tokens, estimator counts
 * and the all-rollouts statistics stay exact. {@link #sampledOutPrompts()} says when that happened.
 */
public final class GroupAccumulator {

    public static final int DEFAULT_MAX_PROMPTS = 20_000;
    private static final byte VERSION = 1;

    private final int pairCapacity;
    private final int maxPrompts;
    private final TreeMap<String, PromptAccumulator> prompts = new TreeMap<>();
    private final PromptAccumulator all;
    private final long[] steps = new long[3];
    /** Prompts whose id hash is at or above this (unsigned) are not tracked. */
    private long promptThreshold = -1L;
    private long sampledOutPrompts;
    private long abandoned;
    private long firstSeen = Long.MAX_VALUE;
    private long lastSeen = Long.MIN_VALUE;

    public GroupAccumulator() {
        this(PairSample.DEFAULT_CAPACITY, DEFAULT_MAX_PROMPTS);
    }

    public GroupAccumulator(int pairCapacity, int maxPrompts) {
        if (maxPrompts < 1) {
            throw new IllegalArgumentException("max prompts must be at least 1, got " + maxPrompts);
        }
        this.pairCapacity = pairCapacity;
        this.maxPrompts = maxPrompts;
        this.all = new PromptAccumulator(pairCapacity);
    }

    public void add(CompletedRollout r) {
        firstSeen = Math.min(firstSeen, r.completedAt());
        lastSeen = Math.max(lastSeen, r.completedAt());
        if (r.abandoned()) {
            abandoned++;
            return;
        }
        all.add(r);
        steps[Estimator.EXACT.ordinal()] += r.exactSteps();
        steps[Estimator.TOPK.ordinal()] += r.topkSteps();
        steps[Estimator.SURPRISAL.ordinal()] += r.surprisalSteps();
        String prompt = r.promptId();
        PromptAccumulator acc = prompts.get(prompt);
        if (acc == null) {
            if (!PromptSampling.admits(prompt, promptThreshold)) {
                return;
            }
            acc = new PromptAccumulator(pairCapacity);
            prompts.put(prompt, acc);
            acc.add(r);
            sampleOutPrompts();
            return;
        }
        acc.add(r);
    }

    public void merge(GroupAccumulator o) {
        firstSeen = Math.min(firstSeen, o.firstSeen);
        lastSeen = Math.max(lastSeen, o.lastSeen);
        abandoned += o.abandoned;
        all.merge(o.all);
        for (int i = 0; i < steps.length; i++) {
            steps[i] += o.steps[i];
        }
        sampledOutPrompts += o.sampledOutPrompts;
        promptThreshold = PromptSampling.min(promptThreshold, o.promptThreshold);
        for (Map.Entry<String, PromptAccumulator> e : o.prompts.entrySet()) {
            PromptAccumulator mine = prompts.get(e.getKey());
            if (mine != null) {
                mine.merge(e.getValue());
            } else {
                PromptAccumulator copy = new PromptAccumulator(pairCapacity);
                copy.merge(e.getValue());
                prompts.put(e.getKey(), copy);
            }
        }
        sampleOutPrompts();
    }

    private void sampleOutPrompts() {
        int before = prompts.size();
        promptThreshold = PromptSampling.enforce(prompts, maxPrompts, promptThreshold);
        sampledOutPrompts += Math.max(0, before - prompts.size());
    }

    public long rollouts() {
        return all.rollouts();
    }

    public long tokens() {
        return all.tokens();
    }

    public long abandoned() {
        return abandoned;
    }

    public long steps(Estimator e) {
        return steps[e.ordinal()];
    }

    public long sampledOutPrompts() {
        return sampledOutPrompts;
    }

    /** Earliest completion time seen (epoch ms), or Long.MAX_VALUE when empty. */
    public long firstSeen() {
        return firstSeen;
    }

    public long lastSeen() {
        return lastSeen;
    }

    /** Prompt groups in prompt-id order. */
    public Map<String, PromptAccumulator> prompts() {
        return java.util.Collections.unmodifiableMap(prompts);
    }

    public PromptAccumulator allRollouts() {
        return all;
    }

    public boolean isEmpty() {
        return all.rollouts() == 0 && abandoned == 0;
    }

    public byte[] toBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static GroupAccumulator fromBytes(byte[] data) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            return read(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void write(DataOutput out) throws IOException {
        out.writeByte(VERSION);
        out.writeInt(pairCapacity);
        out.writeInt(maxPrompts);
        out.writeLong(promptThreshold);
        out.writeLong(sampledOutPrompts);
        out.writeLong(abandoned);
        out.writeLong(firstSeen);
        out.writeLong(lastSeen);
        for (long s : steps) {
            out.writeLong(s);
        }
        all.write(out);
        out.writeInt(prompts.size());
        for (Map.Entry<String, PromptAccumulator> e : prompts.entrySet()) {
            out.writeUTF(e.getKey());
            e.getValue().write(out);
        }
    }

    public static GroupAccumulator read(DataInput in) throws IOException {
        byte version = in.readByte();
        if (version != VERSION) {
            throw new IOException("unsupported group accumulator version " + version);
        }
        GroupAccumulator g = new GroupAccumulator(in.readInt(), in.readInt());
        g.promptThreshold = in.readLong();
        g.sampledOutPrompts = in.readLong();
        g.abandoned = in.readLong();
        g.firstSeen = in.readLong();
        g.lastSeen = in.readLong();
        for (int i = 0; i < g.steps.length; i++) {
            g.steps[i] = in.readLong();
        }
        g.all.merge(PromptAccumulator.read(in));
        int n = in.readInt();
        for (int i = 0; i < n; i++) {
            g.prompts.put(in.readUTF(), PromptAccumulator.read(in));
        }
        return g;
    }
}
