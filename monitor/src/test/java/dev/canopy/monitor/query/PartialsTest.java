package dev.canopy.monitor.query;

import dev.canopy.core.assembly.CompletedRollout;
import dev.canopy.core.report.ReportJson;
import dev.canopy.core.stats.Correlations;
import dev.canopy.core.stats.GroupAccumulator;
import dev.canopy.core.stats.GroupKey;
import dev.canopy.semantic.SemanticCodec;
import dev.canopy.semantic.SemanticCounts;
import dev.canopy.semantic.SemanticMetrics;
import dev.canopy.topology.StoreReports;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The state one instance sends another for the report API. */
class PartialsTest {

    @Test
    void shouldRoundTripGroupsRejectionsAndSemanticResults() throws IOException {
        StoreReports.Partial p = StoreReports.Partial.empty();
        GroupKey key = new GroupKey("m", "v2");
        GroupAccumulator acc = new GroupAccumulator(64, 10);
        for (int i = 0; i < 12; i++) {
            acc.add(new CompletedRollout("m", "v2", "r" + i, "p" + (i % 3), 4 + i, (2.0 + 0.1 * (i % 5)) * (4 + i), (2.0 + 0.1 * (i % 5)) * (4 + i), "stop", 4 + i, 0, 0, i, false));
        }
        p.groups().put(key, acc);
        p.rejections().put("not_json", 3L);
        SemanticMetrics m = SemanticMetrics.pool(9, List.of(
                new SemanticMetrics.Prompt("p0", 4, 0.3, 2.2, new Correlations.Coefficients(0.5, 0.4, 0.3, 0.1), new Correlations.Coefficients(Double.NaN, 0, 0, 0)),
                new SemanticMetrics.Prompt("p1", 5, 0.4, 2.9, new Correlations.Coefficients(0.1, 0.2, 0.1, 0.0), new Correlations.Coefficients(0.2, 0.2, 0.1, 0.3))));
        p.semantic().put(key, new SemanticCodec.Result(m, new SemanticCounts(1, 9, 2, 0)));

        StoreReports.Partial back = Partials.decode(Partials.encode(p));
        assertEquals(ReportJson.toJson(p.report()), ReportJson.toJson(back.report()));
        assertEquals(p.rejections(), back.rejections());
        assertEquals(m, back.semantic().get(key).metrics());
        assertEquals(new SemanticCounts(1, 9, 2, 0), back.semantic().get(key).counts());

        StoreReports.Partial merged = StoreReports.Partial.empty();
        merged.merge(back);
        merged.merge(StoreReports.Partial.empty());
        assertEquals(m, merged.semantic().get(key).metrics(), "each release's semantic result comes from one instance");
    }

    @Test
    void shouldRefuseBytesThatAreNotAPartial() {
        assertThrows(IOException.class, () -> Partials.decode(new byte[] {1, 2, 3, 4, 0, 0, 0, 0}));
    }
}
