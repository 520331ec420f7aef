package dev.canopy.monitor.metrics;

import dev.canopy.core.assembly.CompletedRollout;
import dev.canopy.core.stats.GroupAccumulator;
import dev.canopy.core.stats.GroupKey;
import dev.canopy.core.stats.GroupMetrics;
import dev.canopy.core.stats.Correlations;
import dev.canopy.semantic.SemanticCodec;
import dev.canopy.semantic.SemanticCounts;
import dev.canopy.semantic.SemanticMetrics;
import dev.canopy.topology.ShiftVerdict;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** /metrics against a golden file; run with -Dcanopy.golden.update=true to rewrite it after a reviewed change. */
class MetricsExpositionTest {

    private static final Path GOLDEN = Path.of("src/test/resources/golden/metrics.txt");
    private static final long NOW = 1_764_000_000_000L;

    private static GroupAccumulator accumulator(String release, int n, double slope) {
        GroupAccumulator acc = new GroupAccumulator(64, 100);
        for (int i = 0; i < n; i++) {
            int len = 5 + (i * 7) % 23;
            double rate = 2.0 + slope * len + 0.1 * ((i * 13) % 5);
            acc.add(new CompletedRollout("chat", release, release + "-" + i, "p-" + (i % 3), len, rate * len, rate * len + 1,
                    i % 10 == 0 ? "length" : "stop", len - 2, 1, 1, NOW - 60_000 + i, false));
        }
        acc.add(new CompletedRollout("chat", release, release + "-lost", "p-0", 3, 1, 1, null, 3, 0, 0, NOW, true));
        return acc;
    }

    /** Two prompts' semantic metrics, pooled as the monitor does. */
    private static SemanticCodec.Result semantic() {
        List<SemanticMetrics.Prompt> prompts = List.of(
                new SemanticMetrics.Prompt("p-0", 8, 0.25, 2.5, new Correlations.Coefficients(0.5, 0.4, 0.3, 0.01),
                        new Correlations.Coefficients(0.2, 0.1, 0.05, 0.5)),
                new SemanticMetrics.Prompt("p-1", 6, 0.35, 3.0, new Correlations.Coefficients(0.3, 0.2, 0.1, 0.02),
                        new Correlations.Coefficients(-0.1, 0.0, 0.0, -0.2)));
        return new SemanticCodec.Result(SemanticMetrics.pool(15, prompts), new SemanticCounts(2, 15, 20, 1));
    }

    private static String scrape(PrometheusRegistry registry) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, registry.scrape());
        return out.toString(StandardCharsets.UTF_8);
    }

    private static CanopyMetrics metricsWithTwoReleases(PrometheusRegistry registry, int maxReleases) {
        CanopyMetrics metrics = new CanopyMetrics(registry, maxReleases, Duration.ofDays(7), () -> NOW);
        GroupKey base = new GroupKey("chat", "v1");
        GroupKey tuned = new GroupKey("chat", "v2");
        GroupAccumulator a = accumulator("v1", 30, -0.02);
        GroupAccumulator b = accumulator("v2", 40, 0.03);
        metrics.publish(List.of(
                new ReleaseSnapshot(GroupMetrics.of(base, a), GroupMetrics.of(base, a), "", NOW - 3_600_000, NOW - 1000),
                new ReleaseSnapshot(GroupMetrics.of(tuned, b), null, "v1", NOW - 600_000, NOW, semantic())));
        metrics.publishShifts(List.of(new ShiftVerdict("chat", "v1", "v2", "length_entropy_rate.pearson", "shift", "up",
                0.42, 0.21, 0.6, 30, 40, NOW)));
        metrics.eventRead();
        metrics.eventRejected("not_json");
        metrics.rolloutMeasured("chat", "v2", 1500);
        metrics.metricsEmitted(0.3);
        metrics.rolloutEmbedded(0.004);
        metrics.inFlight("0_0", 7);
        metrics.streamsState("RUNNING");
        metrics.streamThreadFailed();
        return metrics;
    }

    @Test
    void shouldExposeTheCatalogueExactlyAsTheGoldenFile() throws IOException {
        PrometheusRegistry registry = new PrometheusRegistry();
        metricsWithTwoReleases(registry, 10);
        String text = scrape(registry);
        if (Boolean.getBoolean("canopy.golden.update")) {
            Files.writeString(GOLDEN, text);
        }
        assertEquals(Files.readString(GOLDEN), text);
    }

    @Test
    void shouldExportEveryCatalogueNameAndNothingElse() throws IOException {
        PrometheusRegistry registry = new PrometheusRegistry();
        metricsWithTwoReleases(registry, 10);
        Set<String> exposed = new TreeSet<>();
        Matcher m = Pattern.compile("(?m)^([a-z_]+)[{ ]").matcher(scrape(registry));
        while (m.find()) {
            exposed.add(m.group(1));
        }
        Set<String> catalogue = new TreeSet<>();
        for (MetricCatalogue c : MetricCatalogue.values()) {
            catalogue.addAll(c.exposedNames());
        }
        assertEquals(catalogue, exposed);
    }

    @Test
    void shouldDropReleasesBeyondTheCapAndCountTheOverflow() throws IOException {
        PrometheusRegistry registry = new PrometheusRegistry();
        metricsWithTwoReleases(registry, 1);
        String text = scrape(registry);
        assertTrue(text.contains("canopy_tracked_releases 1.0"), text);
        assertTrue(text.contains("canopy_tracked_releases_overflow_total 1.0"), text);
        assertTrue(text.contains("release=\"v2\""), "the most recently active release is kept");
        assertFalse(text.contains("canopy_ce_star_nats{model=\"chat\",release=\"v1\""), "the other is not exported");
    }

    @Test
    void shouldRetireReleasesIdleLongerThanTheTtl() throws IOException {
        PrometheusRegistry registry = new PrometheusRegistry();
        CanopyMetrics metrics = new CanopyMetrics(registry, 10, Duration.ofHours(1), () -> NOW);
        GroupKey old = new GroupKey("chat", "v0");
        GroupAccumulator a = accumulator("v0", 10, 0);
        metrics.publish(List.of(new ReleaseSnapshot(GroupMetrics.of(old, a), null, "", NOW - 9_000_000, NOW - 7_200_000)));
        assertFalse(scrape(registry).contains("release=\"v0\""));
    }
}
