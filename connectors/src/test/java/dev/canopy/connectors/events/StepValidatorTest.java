package dev.canopy.connectors.events;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StepValidatorTest {

    private static Rejection.Reason reason(Double logprob, double... top) {
        return StepValidator.validate(TokenStep.of(logprob, top.length == 0 ? null : top, null)).rejected();
    }

    @Test
    void shouldRejectSentinelNonFiniteAndPositiveSampledLogprobs() {
        assertEquals(Rejection.Reason.SENTINEL_LOGPROB, reason(-9999.0, -0.1));
        assertEquals(Rejection.Reason.SENTINEL_LOGPROB, reason(-1e30));
        assertEquals(Rejection.Reason.NON_FINITE_LOGPROB, reason(Double.NaN));
        assertEquals(Rejection.Reason.NON_FINITE_LOGPROB, reason(Double.NEGATIVE_INFINITY));
        assertEquals(Rejection.Reason.POSITIVE_LOGPROB, reason(0.01));
        assertEquals(Rejection.Reason.MISSING_LOGPROBS, reason(null));
        assertNull(reason(5e-7), "within the contract's rounding allowance");
        assertNull(reason(-9998.5), "a very small but real logprob");
    }

    @Test
    void shouldDropZeroProbabilityCandidatesAndRejectCorruptLists() {
        StepValidator.Outcome o = StepValidator.validate(TokenStep.of(-0.5, new double[]{-0.5, -9999.0, Double.NEGATIVE_INFINITY, -2.0}, null));
        assertArrayEquals(new double[]{-0.5, -2.0}, o.topLogprobs());
        assertEquals(Rejection.Reason.INVALID_TOP_LOGPROBS, reason(-0.5, -0.5, Double.NaN));
        assertEquals(Rejection.Reason.INVALID_TOP_LOGPROBS, reason(-0.5, -0.5, 0.3));
        StepValidator.Outcome onlyZeros = StepValidator.validate(TokenStep.of(-0.5, new double[]{-9999.0}, null));
        assertNull(onlyZeros.topLogprobs(), "nothing left: the step falls back to its logprob");
        assertEquals(-0.5, onlyZeros.logprob());
    }

    @Test
    void shouldKeepTheThousandLargestCandidatesBeyondTheContractLimit() {
        double[] top = new double[1500];
        for (int i = 0; i < top.length; i++) {
            top[i] = -i * 0.01;
        }
        StepValidator.Outcome o = StepValidator.validate(TokenStep.of(null, top, null));
        assertEquals(1000, o.topLogprobs().length);
        for (double v : o.topLogprobs()) {
            assertTrue(v > -10.0);
        }
    }
}
