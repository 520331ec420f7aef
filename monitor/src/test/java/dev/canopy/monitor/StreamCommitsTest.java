package dev.canopy.monitor;

import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class StreamCommitsTest {

    /** A metric whose value the test sets, as Kafka's are read. */
    private static final class Value implements Metric {
        private final MetricName name;
        private double value;

        Value(MetricName name, double value) {
            this.name = name;
            this.value = value;
        }

        @Override
        public MetricName metricName() {
            return name;
        }

        @Override
        public Object metricValue() {
            return value;
        }
    }

    private static MetricName commits(String thread) {
        return new MetricName(StreamCommits.NAME, StreamCommits.GROUP, "", Map.of("thread-id", thread));
    }

    private final Map<MetricName, Metric> metrics = new HashMap<>();
    private final StreamCommits counted = new StreamCommits(() -> metrics);

    private Value put(Value v) {
        metrics.put(v.metricName(), v);
        return v;
    }

    @Test
    void shouldKeepCountingAcrossAReplacedThread() {
        Value first = put(new Value(commits("StreamThread-1"), 7));
        put(new Value(new MetricName("process-total", StreamCommits.GROUP, "", Map.of("thread-id", "StreamThread-1")), 900));
        assertEquals(7, counted.getAsLong(), "only commit-total counts");
        first.value = 9;
        assertEquals(9, counted.getAsLong());

        metrics.remove(first.metricName());
        assertEquals(9, counted.getAsLong(), "the failed thread's metric went with it; the count does not fall");
        Value replacement = put(new Value(commits("StreamThread-2"), 0));
        assertEquals(9, counted.getAsLong());
        replacement.value = 2;
        assertEquals(11, counted.getAsLong());
    }

    @Test
    void shouldCountANewThreadThatTakesAnOldNameFromZero() {
        put(new Value(commits("StreamThread-1"), 50));
        assertEquals(50, counted.getAsLong());
        put(new Value(commits("StreamThread-1"), 1));
        assertEquals(51, counted.getAsLong(), "the name is reused, the metric is new");
    }
}
