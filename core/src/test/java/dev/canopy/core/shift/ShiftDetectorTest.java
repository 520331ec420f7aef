package dev.canopy.core.shift;

import dev.canopy.core.assembly.CompletedRollout;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ShiftDetectorTest {

    @Test
    void radiusFollowsTheNormalMixtureBoundary() {
        // independent form: sqrt((t rho^2 + 1) / (t rho)^2 * (2 log(1/alpha) + log(t rho^2 + 1))) * sd
        double t = 400;
        double sd = 2.5;
        double alpha = 0.01;
        double rho = 0.1;
        double expected = sd * Math.sqrt((t * rho * rho + 1) / Math.pow(t * rho, 2) * (2 * Math.log(1 / alpha) + Math.log(t * rho * rho + 1)));
        assertEquals(expected, ConfidenceSequence.radius(t, sd, alpha, rho), 1e-12);
        assertTrue(ConfidenceSequence.radius(1e6, 1, alpha, rho) < ConfidenceSequence.radius(1e3, 1, alpha, rho), "shrinks with data");
    }

    @Test
    void confidenceSequenceHoldsAtAllTimesWithTheNominalProbability() {
        SplittableRandom rng = new SplittableRandom(1);
        double alpha = 0.1;
        double rho = ConfidenceSequence.rho(500, alpha);
        int runs = 300;
        int everMissed = 0;
        for (int run = 0; run < runs; run++) {
            double mean = 0;
            double m2 = 0;
            for (int t = 1; t <= 2000; t++) {
                double x = 3 + 2 * (rng.nextDouble() + rng.nextDouble() + rng.nextDouble() - 1.5) * 2; // skewless, sd 2
                double d = x - mean;
                mean += d / t;
                m2 += d * (x - mean);
                if (t >= 20) {
                    double r = ConfidenceSequence.radius(t, Math.sqrt(m2 / (t - 1)), alpha, rho);
                    if (Math.abs(mean - 3) > r) {
                        everMissed++;
                        break;
                    }
                }
            }
        }
        double rate = (double) everMissed / runs;
        // a fixed-sample 90% interval checked 1,980 times would miss in well over half the runs
        assertTrue(rate <= alpha + 3 * Math.sqrt(alpha * (1 - alpha) / runs), "ever-missed rate " + rate);
    }

    private static CompletedRollout rollout(SplittableRandom rng, String prompt, double slope, int i) {
        int n = 5 + rng.nextInt(60);
        double rate = 2 + slope * (n - 35) / 30 + 0.3 * rng.nextGaussian();
        rate = Math.max(rate, 0.05);
        return new CompletedRollout("m", "r", "x" + i, prompt, n, rate * n, rate * n, "stop", n, 0, 0, i, false);
    }

    private static ShiftStats sample(long seed, double slope, int count) {
        SplittableRandom rng = new SplittableRandom(seed);
        ShiftStats s = new ShiftStats(1000);
        for (int i = 0; i < count; i++) {
            s.add(rollout(rng, "p" + (i % 10), slope, i));
        }
        return s;
    }

    @Test
    void shouldSayInsufficientDataRatherThanNoShiftWhenSmall() {
        List<ShiftDetector.Result> r = ShiftDetector.compare(sample(1, 0, 20), sample(2, 0.5, 20), ShiftDetector.Settings.defaults());
        assertEquals(5, r.size());
        r.forEach(x -> assertEquals(ShiftDetector.Status.INSUFFICIENT_DATA, x.status(), x.metric().code()));
    }

    @Test
    void shouldFlagARiseInRhoWithItsDirectionAndInterval() {
        List<ShiftDetector.Result> r = ShiftDetector.compare(sample(1, -0.3, 3000), sample(2, 0.3, 3000), ShiftDetector.Settings.defaults());
        ShiftDetector.Result rho = r.get(4);
        assertEquals(ShiftDetector.Metric.PEARSON, rho.metric());
        assertEquals(ShiftDetector.Status.SHIFT, rho.status());
        assertEquals("up", rho.direction());
        assertTrue(rho.low() > 0 && rho.low() < rho.effect() && rho.effect() < rho.high(), rho.toString());
    }

    @Test
    void shouldFindNoEvidenceBetweenTwoSamplesOfTheSameModel() {
        List<ShiftDetector.Result> r = ShiftDetector.compare(sample(1, 0.2, 3000), sample(2, 0.2, 3000), ShiftDetector.Settings.defaults());
        r.forEach(x -> assertEquals(ShiftDetector.Status.NO_EVIDENCE, x.status(), x.toString()));
    }

    @Test
    void shouldMergeStatisticsLikeOneStream() {
        ShiftStats whole = sample(5, 0.1, 500);
        ShiftStats a = ShiftStats.fromBytes(sample(5, 0.1, 500).toBytes());
        assertEquals(whole.rollouts(), a.rollouts());
        ShiftStats left = new ShiftStats(1000);
        ShiftStats right = new ShiftStats(1000);
        SplittableRandom rng = new SplittableRandom(5);
        for (int i = 0; i < 500; i++) {
            CompletedRollout r = rollout(rng, "p" + (i % 10), 0.1, i);
            (i % 3 == 0 ? left : right).add(r);
        }
        right.merge(left);
        List<ShiftDetector.Result> x = ShiftDetector.compare(whole, whole, ShiftDetector.Settings.defaults());
        List<ShiftDetector.Result> y = ShiftDetector.compare(right, right, ShiftDetector.Settings.defaults());
        for (int i = 0; i < x.size(); i++) {
            assertEquals(x.get(i).candidate(), y.get(i).candidate(), 1e-9 * Math.abs(x.get(i).candidate()));
            assertEquals(x.get(i).high(), y.get(i).high(), 1e-9);
        }
    }
}
