package dev.canopy.monitor.metrics;

import dev.canopy.core.assembly.CompletedRollout;
import dev.canopy.core.stats.GroupAccumulator;
import dev.canopy.core.stats.GroupKey;
import dev.canopy.monitor.query.InMemoryLocalStores;
import dev.canopy.topology.WindowValue;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The exported per-release series, rebuilt from one instance's stores. */
class MetricsPublisherTest {

    private static final long NOW = 1_764_000_000_000L;
    private static final GroupKey V1 = new GroupKey("chat", "v1");
    private static final GroupKey V2 = new GroupKey("chat", "v2");

    private final InMemoryLocalStores stores = new InMemoryLocalStores();
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final AtomicBoolean running = new AtomicBoolean();
    private final MetricsPublisher publisher = new MetricsPublisher(stores,
            new CanopyMetrics(registry, 100, Duration.ofDays(7), () -> NOW), running::get);

    private static GroupAccumulator rollouts(String release, int n, long from) {
        GroupAccumulator acc = new GroupAccumulator();
        for (int i = 0; i < n; i++) {
            int length = 8 + 3 * i;
            double rate = 2.0 + 0.05 * length;
            acc.add(new CompletedRollout("chat", release, release + "-" + i, "p" + (i % 3), length, rate * length, rate * length + 1,
                    "stop", length, 0, 0, from + i, false));
        }
        return acc;
    }

    private String scrape() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, registry.scrape());
        return out.toString(StandardCharsets.UTF_8);
    }

    private void twoReleasesAndAVerdict() {
        stores.groups.put(V1, rollouts("v1", 20, NOW - 3_600_000));
        stores.groups.put(V2, rollouts("v2", 20, NOW - 60_000));
        stores.windows.put(V1, List.of(new WindowValue(NOW - 600_000, NOW - 300_000, true, rollouts("v1", 5, NOW - 500_000)),
                new WindowValue(NOW - 300_000, NOW, false, rollouts("v1", 10, NOW - 200_000))));
        stores.shifts.add(("{\"model\":\"chat\",\"baseline\":\"v1\",\"candidate\":\"v2\",\"metric\":\"length_entropy_rate.pearson\","
                + "\"status\":\"shift\",\"direction\":\"up\",\"effect\":0.42,\"ci_low\":0.21,\"ci_high\":0.6,\"time\":" + NOW + "}")
                .getBytes(StandardCharsets.UTF_8));
        stores.shifts.add("not a verdict".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void shouldPublishNothingWhileKafkaStreamsIsNotRunning() throws IOException {
        twoReleasesAndAVerdict();
        stores.queryable(false);
        publisher.publish();
        assertFalse(scrape().contains("canopy_release_info{"), "the stores are not read before Kafka Streams runs");
    }

    @Test
    void shouldExportEachReleaseWithItsBaselineNewestWindowAndTheVerdicts() throws IOException {
        twoReleasesAndAVerdict();
        running.set(true);
        publisher.publish();
        String text = scrape();
        assertTrue(text.contains("canopy_release_info{baseline=\"\",model=\"chat\",release=\"v1\"} 1.0"), text);
        assertTrue(text.contains("canopy_release_info{baseline=\"v1\",model=\"chat\",release=\"v2\"} 1.0"), text);
        assertTrue(text.contains("canopy_ce_star_nats{model=\"chat\",release=\"v1\",window=\"rolling\"}"), "v1's newest window is exported");
        assertTrue(text.contains("canopy_ce_star_nats{model=\"chat\",release=\"v2\",window=\"cumulative\"}"));
        assertFalse(text.contains("canopy_ce_star_nats{model=\"chat\",release=\"v2\",window=\"rolling\"}"), "v2 has no window yet");
        assertTrue(text.contains("canopy_shift_effect{baseline=\"v1\",candidate=\"v2\",metric=\"length_entropy_rate.pearson\",model=\"chat\"} 0.42"),
                "the readable verdict is exported, the unreadable one skipped");
    }
}
