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
                Arguments.of("{" + HEAD + ",\"tokens\":[7]}", RejectReason.WRONG_TYPE),
                Arguments.of("{\"model\":\"m0-qwen\\u0000r1-base\",\"release\":\"zzz\",\"rollout_id\":\"x\",\"position\":0,\"logprob\":-1}", RejectReason.INVALID_NAME),
                Arguments.of("{\"model\":\"m\",\"release\":\"r\\n\",\"rollout_id\":\"x\",\"position\":0,\"logprob\":-1}", RejectReason.INVALID_NAME),
                Arguments.of("{\"model\":\"m\",\"release\":\"r\",\"rollout_id\":\"x\\u0085\",\"position\":0,\"logprob\":-1}", RejectReason.INVALID_NAME),
                Arguments.of("{" + HEAD + ",\"prompt_id\":\"p\\u007f\",\"position\":0,\"logprob\":-1}", RejectReason.INVALID_NAME),
                Arguments.of("{\"model\":\"m\\ud800\",\"release\":\"r\",\"rollout_id\":\"x\",\"position\":0,\"logprob\":-1}", RejectReason.INVALID_NAME),
                Arguments.of("{\"model\":\"" + "m".repeat(257) + "\",\"release\":\"r\",\"rollout_id\":\"x\",\"position\":0,\"logprob\":-1}", RejectReason.NAME_TOO_LONG),
                Arguments.of("{" + HEAD + ",\"prompt_id\":\"" + "\u00e9".repeat(129) + "\",\"position\":0,\"logprob\":-1}", RejectReason.NAME_TOO_LONG),
                Arguments.of("{" + HEAD + ",\"position\":0,\"logprob\":-1,\"final\":true,\"finish_reason\":\"" + "s".repeat(300) + "\"}", RejectReason.NAME_TOO_LONG));
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
        // beyond_final is found at assembly (RolloutAssemblerTest), not by the parser
        assertEquals(EnumSet.complementOf(EnumSet.of(RejectReason.BEYOND_FINAL)), covered);
    }

    /**
     * Every character the stores, topics and signatures use to join names (U+0000 in state-store keys,
     * '@' in release and metric keys, '|' in verdict signatures, ':' and '/' in ids), in every name: the
     * control characters are rejected, the printable ones accepted (the keys that use them are checked
     * against the names they stand for: ReleaseRecordTest).
     */
    @Test
    void shouldRejectEveryControlSeparatorInEveryNameAndKeepPrintableOnes() {
        String[] fields = {"model", "release", "rollout_id", "prompt_id"};
        for (String field : fields) {
            for (String sep : new String[] {"\\u0000", "\\u0001", "\\u001f", "\\t", "\\n", "\\r", "\\u007f", "\\u009f"}) {
                ParseResult r = parse(withName(field, "a" + sep + "b"));
                assertEquals(RejectReason.INVALID_NAME, r.reason(), field + " with " + sep);
                assertTrue(r.detail().contains(field), r.detail());
            }
            for (String sep : new String[] {"@", "|", "/", ":", " ", "\\u00a0", "\\ud83d\\ude00"}) {
                TokenRecord t = accept(withName(field, "a" + sep + "b"));
                String expected = "a" + new String(Character.toChars(switch (sep) {
                    case "\\u00a0" -> 0xa0;
                    case "\\ud83d\\ude00" -> 0x1f600;
                    default -> sep.charAt(0);
                })) + "b";
                String got = switch (field) {
                    case "model" -> t.model();
                    case "release" -> t.release();
                    case "rollout_id" -> t.rolloutId();
                    default -> t.promptId();
                };
                assertEquals(expected, got, field + " with " + sep);
            }
        }
    }

    private static String withName(String field, String value) {
        String model = field.equals("model") ? value : "m";
        String release = field.equals("release") ? value : "r";
        String rollout = field.equals("rollout_id") ? value : "x";
        String prompt = field.equals("prompt_id") ? value : "p";
        return "{\"model\":\"" + model + "\",\"release\":\"" + release + "\",\"rollout_id\":\"" + rollout
                + "\",\"prompt_id\":\"" + prompt + "\",\"position\":0,\"logprob\":-1}";
    }

    @Test
    void shouldCountNameLengthInUtf8BytesAgainstTheLimit() {
        // 256 bytes is accepted at the default limit, whatever the characters cost
        accept("{\"model\":\"" + "m".repeat(256) + "\",\"release\":\"" + "\u00e9".repeat(128) + "\",\"rollout_id\":\""
                + "\u4e00".repeat(85) + "\",\"prompt_id\":\"" + "\ud83d\ude00".repeat(64) + "\",\"position\":0,\"logprob\":-1}");
        assertEquals(RejectReason.NAME_TOO_LONG, parse("{" + HEAD + ",\"prompt_id\":\"" + "\ud83d\ude00".repeat(64) + "x\",\"position\":0,\"logprob\":-1}").reason());
        EventParser strict = new EventParser(262_144, false, new EventParser.Limits(EventParser.MAX_POSITION, 4));
        assertTrue(strict.parse(bytes("{\"model\":\"abcd\",\"release\":\"r\",\"rollout_id\":\"x\",\"position\":0,\"logprob\":-1}")).isAccepted());
        ParseResult r = strict.parse(bytes("{\"model\":\"ab\u00e9c\",\"release\":\"r\",\"rollout_id\":\"x\",\"position\":0,\"logprob\":-1}"));
        assertEquals(RejectReason.NAME_TOO_LONG, r.reason());
        assertTrue(r.detail().contains("model is 5 bytes"), r.detail());
    }

    @Test
    void shouldRejectPositionsAboveTheConfiguredLimit() {
        EventParser small = new EventParser(262_144, false, new EventParser.Limits(1000, EventParser.MAX_NAME_BYTES));
        assertTrue(small.parse(bytes("{" + HEAD + ",\"position\":1000,\"logprob\":-1}")).isAccepted());
        ParseResult r = small.parse(bytes("{" + HEAD + ",\"tokens\":[{\"position\":0,\"logprob\":-1},{\"position\":1001,\"logprob\":-1}]}"));
        assertEquals(RejectReason.POSITION_OUT_OF_RANGE, r.reason());
        assertTrue(r.detail().contains("exceeds 1000"), r.detail());
        EventParser large = new EventParser(262_144, false, new EventParser.Limits(Integer.MAX_VALUE - 1, EventParser.MAX_NAME_BYTES));
        assertTrue(large.parse(bytes("{" + HEAD + ",\"position\":2147483646,\"logprob\":-1}")).isAccepted());
        assertEquals(RejectReason.POSITION_OUT_OF_RANGE, large.parse(bytes("{" + HEAD + ",\"position\":2147483647,\"logprob\":-1}")).reason());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> new EventParser.Limits(Integer.MAX_VALUE, 256));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> new EventParser.Limits(10, 0));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
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
