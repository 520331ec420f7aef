package dev.canopy.benchmarks;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import dev.canopy.core.events.EventParser;
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

import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Parse + validate ({@link EventParser#parse}) against the floor any JSON consumer pays: Jackson's
 * streaming parser reading the same bytes token by token and doing nothing with them. One operation is
 * one record (multiply by 32 for the tokens of {@code CHUNK32}). The ratio of the two scores is the
 * replay target's ratio (replay >= 0.6x the Jackson read rate).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class ParseBenchmark {

    static final int RECORDS = 4096;

    @Param({"LOGPROB", "TOPK20", "EXACT", "CHUNK32"})
    public Workloads.Form form;

    private byte[][] records;
    private EventParser parser;
    private final JsonFactory jackson = JsonFactory.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();
    /** As the event parser reads: Jackson's bundled fast double parser on. */
    private final JsonFactory fastDoubles = JsonFactory.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER).build();

    @Setup
    public void setUp() {
        List<byte[]> values = Workloads.records(form, RECORDS, 64, 0);
        records = values.toArray(new byte[0][]);
        parser = new EventParser();
    }

    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public void parseAndValidate(Blackhole bh) {
        for (byte[] r : records) {
            bh.consume(parser.parse(r));
        }
    }

    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public long jacksonReadOnly() throws IOException {
        long tokens = 0;
        for (byte[] r : records) {
            try (JsonParser p = jackson.createParser(r)) {
                while (p.nextToken() != null) {
                    tokens++;
                }
            }
        }
        return tokens;
    }

    /**
     * Jackson reading every token and decoding every number to a double, as any consumer of these records
     * must: the floor for records whose cost is their numbers ({@code TOPK20} carries 21 per step).
     */
    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public double jacksonReadNumbers() throws IOException {
        double sum = 0;
        for (byte[] r : records) {
            try (JsonParser p = fastDoubles.createParser(r)) {
                JsonToken t;
                while ((t = p.nextToken()) != null) {
                    if (t == JsonToken.VALUE_NUMBER_FLOAT) {
                        sum += p.getDoubleValue();
                    }
                }
            }
        }
        return sum;
    }
}
