package dev.canopy.benchmarks;

import dev.canopy.core.assembly.RolloutAssembler;
import dev.canopy.core.assembly.RolloutState;
import dev.canopy.core.events.TokenRecord;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Rollout assembly of already parsed per-token records: {@code heap} is the replay's path
 * ({@link RolloutAssembler#accept}, states as objects in a hash map); {@code bytes} is the streaming
 * topology's path without Kafka (each record reads the state's binary form, applies the step and writes
 * it back, as {@code AssembleProcessor} does against its store). {@code inOrder} delivers each rollout's
 * positions in order; {@code outOfOrder} passes the stream through a 64-record shuffle window, so the
 * per-rollout bit set of early positions is exercised. One operation is one record (one token).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class AssemblyBenchmark {

    static final int RECORDS = 1 << 17;

    @Param({"inOrder", "outOfOrder"})
    public String order;

    @Param({"64", "4096"})
    public int inFlight;

    private TokenRecord[] records;

    @Setup
    public void setUp() {
        List<byte[]> values = Workloads.records(Workloads.Form.LOGPROB, RECORDS, inFlight, order.equals("inOrder") ? 0 : 64);
        records = Workloads.parsed(values).toArray(new TokenRecord[0]);
    }

    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public int heap(Blackhole bh) {
        RolloutAssembler assembler = new RolloutAssembler();
        for (int i = 0; i < records.length; i++) {
            bh.consume(assembler.accept(records[i], i, i));
        }
        return assembler.inFlight();
    }

    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public int bytes(Blackhole bh) {
        BytesStore store = new BytesStore();
        for (int i = 0; i < records.length; i++) {
            bh.consume(RolloutAssembler.apply(store, records[i], i, i));
        }
        return store.map.size();
    }

    /** The topology's store access pattern, on a hash map of serialized states. */
    private static final class BytesStore implements RolloutAssembler.StateStore {
        final Map<String, byte[]> map = new HashMap<>();

        @Override
        public RolloutState get(String rolloutId) {
            byte[] b = map.get(rolloutId);
            if (b == null) {
                return null;
            }
            return RolloutState.fromBytes(b);
        }

        @Override
        public void put(String rolloutId, RolloutState state) {
            map.put(rolloutId, state.toBytes());
        }

        @Override
        public void markCompleted(String rolloutId, long activityTime, int lastPosition) {
            map.put(rolloutId, RolloutState.completedMarker(activityTime, lastPosition));
        }
    }
}
