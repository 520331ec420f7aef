package dev.canopy.app.bench;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A counter read out of the Prometheus text format, summed over its label sets. */
class MetricsTextTest {

    private static final String TEXT = """
            # HELP canopy_events_total Token event records read from the input topic.
            # TYPE canopy_events_total counter
            canopy_events_total 1234.0
            canopy_events_total_created 1.7E9
            # TYPE canopy_rollouts_total counter
            canopy_rollouts_total{model="m",release="a"} 10.0
            canopy_rollouts_total{model="m",release="b"} 32.0
            canopy_rollouts_totalx 99
            canopy_aggregate_emit_seconds_bucket{le="0.25"} 3.0
            canopy_aggregate_emit_seconds_bucket{le="0.55"} 5.0
            canopy_aggregate_emit_seconds_bucket{le="+Inf"} 7.0
            """;

    @Test
    void shouldReadOneLabelSetWhenAsked() {
        assertEquals(5.0, MetricsText.sum(TEXT, "canopy_aggregate_emit_seconds_bucket", "le=\"0.55\""));
        assertEquals(0.0, MetricsText.sum(TEXT, "canopy_aggregate_emit_seconds_bucket", "le=\"0.5\""));
        assertEquals(15.0, MetricsText.sum(TEXT, "canopy_aggregate_emit_seconds_bucket"));
        assertEquals(0.0, MetricsText.sum(TEXT, "canopy_events_total", "le=\"0.55\""), "a sample without labels has not that label set");
    }

    @Test
    void shouldReadAMetricWithoutLabels() {
        assertEquals(1234.0, MetricsText.sum(TEXT, "canopy_events_total"));
    }

    @Test
    void shouldSumEveryLabelSetAndNoMetricThatMerelySharesThePrefix() {
        assertEquals(42.0, MetricsText.sum(TEXT, "canopy_rollouts_total"));
    }

    @Test
    void shouldGiveZeroForAMetricNotThere() {
        assertEquals(0.0, MetricsText.sum(TEXT, "canopy_alerts_total"));
    }
}
