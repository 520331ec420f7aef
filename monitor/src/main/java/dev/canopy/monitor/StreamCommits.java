package dev.canopy.monitor;

import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;

import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Commits by this instance's stream threads so far, from Kafka Streams' thread-level {@code commit-total}
 * (it counts only commits that committed a task, so a thread that fails before its first commit adds
 * nothing). A failed thread's metric goes with it and its replacement's starts at zero, so the sum of the
 * current values can fall; this adds up what each metric grew by since it was last read instead.
 */
final class StreamCommits implements LongSupplier {

    static final String GROUP = "stream-thread-metrics";
    static final String NAME = "commit-total";

    private record Seen(Metric metric, long value) {
    }

    private final Supplier<? extends Map<MetricName, ? extends Metric>> metrics;
    private Map<MetricName, Seen> seen = new HashMap<>();
    private long total;

    /** @param metrics the client's metrics, as {@code KafkaStreams::metrics} gives them */
    StreamCommits(Supplier<? extends Map<MetricName, ? extends Metric>> metrics) {
        this.metrics = metrics;
    }

    @Override
    public synchronized long getAsLong() {
        Map<MetricName, Seen> now = new HashMap<>();
        for (Map.Entry<MetricName, ? extends Metric> e : metrics.get().entrySet()) {
            MetricName name = e.getKey();
            if (!name.group().equals(GROUP) || !name.name().equals(NAME) || !(e.getValue().metricValue() instanceof Number n)) {
                continue;
            }
            long value = n.longValue();
            Seen before = seen.get(name);
            // the same name with another metric object: a thread of that name replaced the one read before
            long from = before != null && before.metric() == e.getValue() ? before.value() : 0;
            total += Math.max(0, value - from);
            now.put(name, new Seen(e.getValue(), value));
        }
        seen = now;
        return total;
    }
}
