package dev.canopy.core.replay;

import dev.canopy.core.assembly.CompletedRollout;
import dev.canopy.core.report.Report;
import dev.canopy.core.stats.Correlations;
import dev.canopy.core.stats.GroupMetrics;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Rollouts whose steps have the same entropies in a different order have the same entropy rate to the
 * last bit (the step entropies are summed in fixed point), so they tie in the rank correlations exactly
 * as they would in exact arithmetic. A float sum in arrival order breaks such ties by rounding, and the
 * Spearman and Kendall coefficients it gives differ from the tied ones (METRICS.md, "Ties").
 */
class TieExactnessTest {

    /** One prompt's rollouts: id -> step entropies in the order they are generated. */
    private static Map<String, double[]> rollouts() {
        Map<String, double[]> r = new LinkedHashMap<>();
        // the same multiset {0.1, 0.2, 0.3, 0.7, 1.1, 0.05} in three orders: float sums differ in the last bits
        r.put("a", new double[] {0.1, 0.2, 0.3, 0.7, 1.1, 0.05});
        r.put("b", new double[] {0.1, 0.2, 0.7, 1.1, 0.3, 0.05});
        r.put("c", new double[] {0.3, 0.7, 0.05, 1.1, 0.1, 0.2});
        // others, at other lengths and rates
        r.put("d", new double[] {0.9, 0.8, 0.6, 0.4});
        r.put("e", new double[] {0.2, 0.1, 0.3, 0.1, 0.2, 0.1, 0.3, 0.2});
        r.put("f", new double[] {1.5, 0.1, 0.2});
        r.put("g", new double[] {0.6, 0.2, 0.3, 0.4, 0.5, 0.1, 0.9});
        r.put("h", new double[] {0.4, 0.4, 0.4, 0.4, 0.4});
        return r;
    }

    private static byte[] event(String rollout, int position, double entropy, boolean last) {
        return ("{\"model\":\"m\",\"release\":\"r\",\"rollout_id\":\"" + rollout + "\",\"prompt_id\":\"p\",\"position\":" + position
                + ",\"logprob\":-0.5,\"entropy\":" + entropy + (last ? ",\"final\":true,\"finish_reason\":\"stop\"" : "") + "}")
                .getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void shouldTieRolloutsWithTheSameStepEntropiesInAnyOrderExactly() {
        Map<String, double[]> steps = rollouts();
        Map<String, CompletedRollout> completed = new LinkedHashMap<>();
        ReplayEngine engine = new ReplayEngine(ReplayEngine.Options.defaults(), r -> completed.put(r.rolloutId(), r));
        for (Map.Entry<String, double[]> e : steps.entrySet()) {
            double[] h = e.getValue();
            for (int t = 0; t < h.length; t++) {
                byte[] line = event(e.getKey(), t, h[t], t == h.length - 1);
                engine.accept(line, 0, line.length);
            }
        }
        Report report = engine.finish();

        double[] floatSums = new double[3];
        for (int i = 0; i < 3; i++) {
            for (double x : steps.get("abc".substring(i, i + 1))) {
                floatSums[i] += x;
            }
        }
        assertTrue(floatSums[0] != floatSums[1] && floatSums[1] != floatSums[2] && floatSums[0] != floatSums[2],
                "the orders are chosen so that a float sum in arrival order tells them apart: " + Arrays.toString(floatSums));
        double rate = completed.get("a").entropyRate();
        assertEquals(Double.doubleToRawLongBits(rate), Double.doubleToRawLongBits(completed.get("b").entropyRate()));
        assertEquals(Double.doubleToRawLongBits(rate), Double.doubleToRawLongBits(completed.get("c").entropyRate()));

        // the reference of exact arithmetic: rates from exact decimal sums, so a, b and c tie
        List<Double> lengths = new ArrayList<>();
        List<Double> exactRates = new ArrayList<>();
        List<Double> floatRates = new ArrayList<>();
        for (double[] h : steps.values()) {
            BigDecimal exact = BigDecimal.ZERO;
            double inOrder = 0;
            for (double x : h) {
                exact = exact.add(new BigDecimal(x));
                inOrder += x;
            }
            lengths.add((double) h.length);
            exactRates.add(exact.divide(BigDecimal.valueOf(h.length), MathContext.DECIMAL128).doubleValue());
            floatRates.add(inOrder / h.length);
        }
        Correlations.Coefficients exact = Correlations.of(array(lengths), array(exactRates));
        Correlations.Coefficients floats = Correlations.of(array(lengths), array(floatRates));

        GroupMetrics.PromptMetrics prompt = report.groups().get(0).perPrompt().get(0);
        assertEquals(8, prompt.rollouts());
        assertEquals(exact.spearman(), prompt.coefficients().spearman(), 0.0, "Spearman with a, b and c tied (mid-ranks)");
        assertEquals(exact.kendall(), prompt.coefficients().kendall(), 0.0, "Kendall tau-b with a, b and c tied");
        assertNotEquals(floats.spearman(), prompt.coefficients().spearman(), "a float sum breaks the tie and moves Spearman");
        assertNotEquals(floats.kendall(), prompt.coefficients().kendall(), "a float sum breaks the tie and moves Kendall");
        assertTrue(Math.abs(floats.spearman() - exact.spearman()) > 1e-6 && Math.abs(floats.kendall() - exact.kendall()) > 1e-6,
                "the difference is in the leading digits, not in the rounding: spearman " + exact.spearman() + " vs " + floats.spearman()
                        + ", kendall " + exact.kendall() + " vs " + floats.kendall());
    }

    private static double[] array(List<Double> v) {
        return v.stream().mapToDouble(Double::doubleValue).toArray();
    }
}
