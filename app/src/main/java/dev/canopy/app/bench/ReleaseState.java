package dev.canopy.app.bench;

import dev.canopy.core.assembly.CompletedRollout;
import dev.canopy.core.stats.GroupAccumulator;
import dev.canopy.core.stats.PairSample;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The aggregate of one model and release once it has seen enough rollouts that every prompt group's
 * pair sample is full ({@link PairSample#DEFAULT_CAPACITY} pairs): its retained heap, its serialized size,
 * and the time to serialize and deserialize it. The streaming topology rewrites this value in its store on
 * every completed rollout (and reads and rewrites the rollout's one-minute slice), so these times bound
 * the rollouts per second one stream thread can aggregate for a release in steady state.
 */
final class ReleaseState {

    /** One size of release. */
    record Result(int prompts, long rollouts, long serializedBytes, long heapBytes, double toBytesMillis, double fromBytesMillis,
                  double maxRolloutsPerSecond) {
    }

    static final int[] PROMPTS = {1, 64, 512};
    private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();

    private ReleaseState() {
    }

    static List<Result> measure() {
        List<Result> out = new ArrayList<>();
        for (int prompts : PROMPTS) {
            out.add(measure(prompts));
        }
        return out;
    }

    static Result measure(int prompts) {
        long before = usedAfterGc();
        GroupAccumulator acc = filled(prompts);
        long heap = usedAfterGc() - before;
        byte[] bytes = acc.toBytes();
        int reps = (int) Math.max(5, Math.min(200, 200_000_000L / Math.max(1, bytes.length)));
        double[] write = new double[reps];
        double[] read = new double[reps];
        for (int i = 0; i < reps * 2; i++) {
            long t0 = System.nanoTime();
            byte[] b = acc.toBytes();
            long t1 = System.nanoTime();
            GroupAccumulator back = GroupAccumulator.fromBytes(b);
            long t2 = System.nanoTime();
            if (back.rollouts() != acc.rollouts()) {
                throw new IllegalStateException("round trip lost rollouts");
            }
            if (i >= reps) {
                write[i - reps] = (t1 - t0) / 1e6;
                read[i - reps] = (t2 - t1) / 1e6;
            }
        }
        double w = median(write);
        double r = median(read);
        Reference.reachabilityFence(acc);
        // per rollout: the cumulative value is rewritten; the slice (smaller, ignored here) is read and rewritten
        return new Result(prompts, acc.rollouts(), bytes.length, heap, w, r, 1000.0 / w);
    }

    private static GroupAccumulator filled(int prompts) {
        GroupAccumulator acc = new GroupAccumulator(PairSample.DEFAULT_CAPACITY, GroupAccumulator.DEFAULT_MAX_PROMPTS);
        SplittableRandom rng = new SplittableRandom(3);
        int perPrompt = PairSample.DEFAULT_CAPACITY + PairSample.DEFAULT_CAPACITY / 4;
        for (int p = 0; p < prompts; p++) {
            String prompt = prompts == 1 ? "" : String.format(Locale.ROOT, "p-%04d", p);
            for (int i = 0; i < perPrompt; i++) {
                int n = 1 + (int) (-35 * Math.log(1 - rng.nextDouble()));
                double h = n * (1.5 + rng.nextDouble());
                acc.add(new CompletedRollout("sim-chat-8b", "ft-2026-11-20", "req-" + p + "-" + i + ":0", prompt, n, h, h * 1.1,
                        "stop", 0, 0, n, 1_764_000_000_000L + i, false));
            }
        }
        return acc;
    }

    private static long usedAfterGc() {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            used = Math.min(used, MEMORY.getHeapMemoryUsage().getUsed());
        }
        return used;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
