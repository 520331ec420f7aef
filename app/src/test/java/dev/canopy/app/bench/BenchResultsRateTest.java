package dev.canopy.app.bench;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Rates as the tables print them, including a span too short to time. */
class BenchResultsRateTest {

    @Test
    void shouldPrintRatesWithTheirScale() {
        assertEquals("1.23M", BenchResults.rate(1_234_567));
        assertEquals("81.2k", BenchResults.rate(81_200));
        assertEquals("726", BenchResults.rate(726));
    }

    @Test
    void shouldPrintADashForARateThatCouldNotBeTimed() {
        assertEquals("-", BenchResults.rate(Double.POSITIVE_INFINITY));
        assertEquals("-", BenchResults.rate(Double.NaN));
    }
}
