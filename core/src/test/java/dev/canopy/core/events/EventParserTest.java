package dev.canopy.core.events;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EventParserTest {

    private static final String HEAD = "\"model\":\"m\",\"release\":\"r\",\"rollout_id\":\"x\"";
    private final EventParser parser = new EventParser();

    private ParseResult parse(String json) {
        return parser.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    private TokenRecord accept(String json) {
        ParseResult r = parse(json);
        assertTrue(r.isAccepted(), () -> "expected acceptance, got " + r.reason() + ": " + r.detail());
        return r.record();
    }

    @Test
    void shouldPreferExactEntropyOverTopLogprobsAndLogprob() {
        TokenRecord r = accept("{" + HEAD + ",\"prompt_id\":\"p\",\"position\":17,\"logprob\":-0.53,\"entropy\":1.234,"
                + "\"top_logprobs\":[-0.21,-1.9]}");
        assertEquals("m", r.model());
        assertEquals("p", r.promptId());
        assertArrayEquals(new int[] {17}, r.positions());
        assertEquals(1.234, r.entropies()[0]);
        assertEquals(1.234, r.upperBounds()[0]);
        assertEquals(Estimator.EXACT.ordinal(), r.estimators()[0]);
        assertFalse(r.isFinal());
    }

    @Test
    void shouldRenormaliseTopLogprobsByHand() {
        // two candidates with probabilities 0.5 and 0.25: renormalised to 2/3 and 1/3
        TokenRecord r = accept("{" + HEAD + ",\"position\":0,\"top_logprobs\":[" + Math.log(0.25) + "," + Math.log(0.5) + "]}");
        double expected = -(2.0 / 3) * Math.log(2.0 / 3) - (1.0 / 3) * Math.log(1.0 / 3);
        assertEquals(expected, r.entropies()[0], 1e-15);
        assertEquals(Estimator.TOPK.ordinal(), r.estimators()[0]);
        // upper bound: -sum q log q + m log((V - k) / m), m = 0.25
        double upper = -0.5 * Math.log(0.5) - 0.25 * Math.log(0.25) + 0.25 * Math.log((262_144 - 2) / 0.25);
        assertEquals(upper, r.upperBounds()[0], 1e-12);
    }

    @Test
    void shouldIgnoreNegativeInfinityCandidatesAndAcceptIntegerLogprobs() {
        TokenRecord r = accept("{" + HEAD + ",\"position\":0,\"top_logprobs\":[0,-Infinity]}");
        assertEquals(0.0, r.entropies()[0]);
        TokenRecord s = accept("{" + HEAD + ",\"position\":1,\"logprob\":-2}");
        assertEquals(2.0, s.entropies()[0]);
        assertEquals(Estimator.SURPRISAL.ordinal(), s.estimators()[0]);
    }

    @Test
    void shouldCountLogprobWithinToleranceAboveZeroAsZero() {
        TokenRecord r = accept("{" + HEAD + ",\"position\":0,\"logprob\":5e-7}");
        assertEquals(0.0, r.entropies()[0]);
    }

    @Test
    void shouldParseChunkFormWithFinal() {
        TokenRecord r = accept("{" + HEAD + ",\"tokens\":[{\"position\":0,\"logprob\":-0.1,\"top_logprobs\":[-0.1,-2.5]},"
                + "{\"position\":1,\"logprob\":-1.2,\"entropy\":1.7}],\"final\":true,\"finish_reason\":\"stop\"}");
        assertArrayEquals(new int[] {0, 1}, r.positions());
        assertEquals(1.7, r.entropies()[1]);
        assertTrue(r.isFinal());
        assertEquals("stop", r.finishReason());
        assertEquals(1, r.maxPosition());
    }

    @Test
    void shouldIgnoreUnknownFieldsAndAcceptTimestamp() {
        TokenRecord r = accept("{" + HEAD + ",\"position\":3,\"logprob\":-1,\"future\":{\"a\":[1,2,{}]},\"timestamp\":1700000000000,\"text\":\"hi\"}");
        assertEquals(1_700_000_000_000L, r.timestamp());
        assertEquals("", r.promptId());
    }

    static Stream<Arguments> violations() {
        return Stream.of(
                Arguments.of("{\"model\":", RejectReason.NOT_JSON),
                Arguments.of("", RejectReason.NOT_JSON),
                Arguments.of("{" + HEAD + ",\"position\":0,\"logprob\":-1} trailing", RejectReason.NOT_JSON),
                Arguments.of("[1,2]", RejectReason.NOT_OBJECT),
                Arguments.of("\"text\"", RejectReason.NOT_OBJECT),
                Arguments.of("{\"release\":\"r\",\"rollout_id\":\"x\",\"position\":0,\"logprob\":-1}", RejectReason.MISSING_FIELD),
                Arguments.of("{" + HEAD + ",\"logprob\":-1}", RejectReason.MISSING_FIELD),
                Arguments.of("{\"model\":null,\"release\":\"r\",\"rollout_id\":\"x\",\"position\":0,\"logprob\":-1}", RejectReason.MISSING_FIELD),
                Arguments.of("{" + HEAD + ",\"position\":\"3\",\"logprob\":-1}", RejectReason.WRONG_TYPE),
                Arguments.of("{" + HEAD + ",\"position\":1.5,\"logprob\":-1}", RejectReason.WRONG_TYPE),
                Arguments.of("{\"model\":7,\"release\":\"r\",\"rollout_id\":\"x\",\"position\":0,\"logprob\":-1}", RejectReason.WRONG_TYPE),
                Arguments.of("{" + HEAD + ",\"position\":0,\"logprob\":\"-1\"}", RejectReason.WRONG_TYPE),
                Arguments.of("{" + HEAD + ",\"position\":0,\"logprob\":-1,\"final\":\"yes\"}", RejectReason.WRONG_TYPE),
                Arguments.of("{" + HEAD + ",\"tokens\":{}}", RejectReason.WRONG_TYPE),
                Arguments.of("{\"model\":\"m\",\"release\":\"\",\"rollout_id\":\"x\",\"position\":0,\"logprob\":-1}", RejectReason.EMPTY_STRING),
                Arguments.of("{" + HEAD + ",\"position\":-1,\"logprob\":-1}", RejectReason.NEGATIVE_POSITION),
                Arguments.of("{" + HEAD + ",\"position\":99999999999999999999,\"logprob\":-1}", RejectReason.POSITION_OUT_OF_RANGE),
                Arguments.of("{" + HEAD + ",\"position\":4194304,\"logprob\":-1}", RejectReason.POSITION_OUT_OF_RANGE),
                Arguments.of("{" + HEAD + ",\"position\":0,\"logprob\":0.5}", RejectReason.INVALID_LOGPROB),
                Arguments.of("{" + HEAD + ",\"position\":0,\"logprob\":NaN}", RejectReason.INVALID_LOGPROB),
                Arguments.of("{" + HEAD + ",\"position\":0,\"logprob\":-Infinity}", RejectReason.INVALID_LOGPROB),
                Arguments.of("{" + HEAD + ",\"position\":0,\"entropy\":1.0,\"logprob\":0.5}", RejectReason.INVALID_LOGPROB),
                Arguments.of("{" + HEAD + ",\"position\":0,\"entropy\":-1}", RejectReason.INVALID_ENTROPY),
                Arguments.of("{" + HEAD + ",\"position\":0,\"entropy\":Infinity}", RejectReason.INVALID_ENTROPY),
                Arguments.of("{" + HEAD + ",\"position\":0,\"top_logprobs\":[]}", RejectReason.INVALID_TOP_LOGPROBS),
                Arguments.of("{" + HEAD + ",\"position\":0,\"top_logprobs\":[-0.1,0.3]}", RejectReason.INVALID_TOP_LOGPROBS),
                Arguments.of("{" + HEAD + ",\"position\":0,\"top_logprobs\":[-Infinity]}", RejectReason.INVALID_TOP_LOGPROBS),
                Arguments.of("{" + HEAD + ",\"position\":0,\"top_logprobs\":[-0.1,NaN]}", RejectReason.INVALID_TOP_LOGPROBS),
                Arguments.of("{" + HEAD + ",\"position\":0,\"top_logprobs\":[\"a\"]}", RejectReason.INVALID_TOP_LOGPROBS),
                Arguments.of("{" + HEAD + ",\"position\":0,\"top_logprobs\":[" + "-1,".repeat(1000) + "-1]}", RejectReason.INVALID_TOP_LOGPROBS),
                Arguments.of("{" + HEAD + ",\"position\":0}", RejectReason.NO_ENTROPY_SOURCE),
                Arguments.of("{" + HEAD + ",\"position\":0,\"entropy\":null,\"logprob\":null}", RejectReason.NO_ENTROPY_SOURCE),
                Arguments.of("{" + HEAD + ",\"tokens\":[]}", RejectReason.INVALID_CHUNK),
                Arguments.of("{" + HEAD + ",\"position\":0,\"tokens\":[{\"position\":0,\"logprob\":-1}]}", RejectReason.INVALID_CHUNK),
                Arguments.of("{" + HEAD + ",\"tokens\":[{\"position\":0,\"logprob\":-1},{\"position\":1,\"logprob\":2}]}", RejectReason.INVALID_LOGPROB),
                Arguments.of("{" + HEAD + ",\"tokens\":[{\"position\":0,\"logprob\":-1},{\"position\":1}]}", RejectReason.NO_ENTROPY_SOURCE),
                Arguments.of("{" + HEAD + ",\"tokens\":[7]}", RejectReason.WRONG_TYPE));
    }

    @ParameterizedTest(name = "{1}: {0}")
    @MethodSource("violations")
    void shouldRejectContractViolationWithItsReason(String json, RejectReason expected) {
        ParseResult r = parse(json);
        assertFalse(r.isAccepted(), "expected rejection");
        assertEquals(expected, r.reason(), r.detail());
        assertFalse(r.detail() == null || r.detail().isBlank(), "a rejection names its detail");
    }

    @Test
    void shouldExerciseEveryRejectReason() {
        Set<RejectReason> covered = EnumSet.noneOf(RejectReason.class);
        violations().forEach(a -> covered.add((RejectReason) a.get()[1]));
        assertEquals(EnumSet.allOf(RejectReason.class), covered);
    }

    @Test
    void shouldRoundTripReasonCodes() {
        for (RejectReason r : RejectReason.values()) {
            assertEquals(r, RejectReason.fromCode(r.code()));
        }
    }

    @Test
    void shouldAcceptRecordsAfterARejectionWithTheSameParser() {
        assertFalse(parse("{\"tokens\":[{\"position\":0,\"logprob\":-1},{\"position\":1}]," + HEAD + "}").isAccepted());
        TokenRecord r = accept("{" + HEAD + ",\"position\":2,\"logprob\":-0.25}");
        assertArrayEquals(new int[] {2}, r.positions());
    }
}
