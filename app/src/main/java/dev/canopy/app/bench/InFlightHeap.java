package dev.canopy.app.bench;

import dev.canopy.core.assembly.RolloutAssembler;
import dev.canopy.core.assembly.RolloutState;
import dev.canopy.core.events.Estimator;
import dev.canopy.core.events.EventParser;
import dev.canopy.core.events.ParseResult;
import dev.canopy.core.events.TokenRecord;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.ref.Reference;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;

/**
 * What one in-flight rollout costs: the retained heap of {@code n} concurrent rollouts held by the
 * replay's {@link RolloutAssembler} (used heap after full collections, before and after, over n), and the
 * bytes the streaming store keeps per rollout (key plus {@link RolloutState#toBytes()}: what RocksDB and
 * the changelog hold; the Streams record cache in front of it is bounded by its own 32 MiB).
 *
 * <p>Each rollout has received its first token ({@code inOrder}) or its first and third token, leaving a
 * gap ({@code outOfOrder}: the state then carries its bit set of early positions). Rollout ids look like
 * {@code req-0001a2f3:0} (14 characters); every id character adds about one byte to both figures.
 */
final class InFlightHeap {

    /** Bytes per in-flight rollout, median of {@link #RUNS} measurements for the heap. */
    record Result(int rollouts, int idLength, double heapInOrder, double heapOutOfOrder,
                  double storeInOrder, double storeOutOfOrder) {
    }

    static final int RUNS = 3;
    private static final String[] MODELS = {"sim-chat-8b", "sim-code-70b"};
    private static final String[] RELEASES = {"base-2026-11-01", "ft-2026-11-20"};
    private static final EventParser PARSER = new EventParser();
    private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();

    private InFlightHeap() {
    }

    static Result measure(int rollouts) {
        double[] inOrder = new double[RUNS];
        double[] outOfOrder = new double[RUNS];
        for (int i = 0; i < RUNS; i++) {
            inOrder[i] = heapPerRollout(rollouts, false);
            outOfOrder[i] = heapPerRollout(rollouts, true);
        }
        return new Result(rollouts, id(0).length(), median(inOrder), median(outOfOrder),
                storePerRollout(rollouts, false), storePerRollout(rollouts, true));
    }

    private static double heapPerRollout(int n, boolean gap) {
        long before = usedAfterGc();
        RolloutAssembler assembler = new RolloutAssembler();
        for (int i = 0; i < n; i++) {
            assembler.accept(record(i, 0), i, i);
            if (gap) {
                assembler.accept(record(i, 2), i, i);
            }
        }
        if (assembler.inFlight() != n) {
            throw new IllegalStateException("expected " + n + " rollouts in flight, got " + assembler.inFlight());
        }
        long after = usedAfterGc();
        Reference.reachabilityFence(assembler);
        return (double) (after - before) / n;
    }

    private static double storePerRollout(int n, boolean gap) {
        long bytes = 0;
        for (int i = 0; i < n; i++) {
            TokenRecord first = record(i, 0);
            RolloutState s = new RolloutState(first.model(), first.release(), first.promptId());
            s.addStep(0, 1.0, 1.0, Estimator.SURPRISAL);
            if (gap) {
                s.addStep(2, 1.0, 1.0, Estimator.SURPRISAL);
            }
            s.touch(i, i);
            bytes += s.toBytes().length + first.rolloutId().getBytes(StandardCharsets.UTF_8).length;
        }
        return (double) bytes / n;
    }

    /** A logprob-only per-token record, parsed as the monitor parses it (fresh strings, one step). */
    private static TokenRecord record(int i, int position) {
        String json = String.format(Locale.ROOT, "{\"model\":\"%s\",\"release\":\"%s\",\"rollout_id\":\"%s\",\"prompt_id\":\"p-%03d\","
                + "\"position\":%d,\"logprob\":-1.0}", MODELS[i & 1], RELEASES[(i >> 1) & 1], id(i), i % 64, position);
        ParseResult r = PARSER.parse(json.getBytes(StandardCharsets.UTF_8));
        if (!r.isAccepted()) {
            throw new IllegalStateException("benchmark record rejected: " + r.reason());
        }
        return r.record();
    }

    private static String id(int i) {
        return String.format(Locale.ROOT, "req-%08x:0", i);
    }

    private static long usedAfterGc() {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 4; i++) {
            System.gc();
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
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
