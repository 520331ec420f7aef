package dev.canopy.core.events;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import dev.canopy.core.entropy.StepEntropy;

import java.io.IOException;
import java.util.Arrays;

/**
 * Parses and validates records of the token event contract v1 (EVENTS.md) with Jackson's streaming
 * parser: no tree model, and per step only the computed entropy, its upper bound and the estimator
 * are kept. The record is rejected whole at the first contract violation, with one
 * {@link RejectReason}.
 *
 * <p>Not thread-safe: it reuses scratch buffers. Use one parser per thread.
 */
public final class EventParser {

    /** Default largest accepted position (2^22 - 1), setting {@code canopy.max.position}. */
    public static final int MAX_POSITION = (1 << 22) - 1;
    /** Default longest accepted name in UTF-8 bytes, setting {@code canopy.max.name.bytes}. */
    public static final int MAX_NAME_BYTES = 256;

    /**
     * Bounds on what one record may ask the monitor to keep.
     *
     * @param maxPosition  largest accepted position; a larger one is {@link RejectReason#POSITION_OUT_OF_RANGE}
     * @param maxNameBytes longest accepted model, release, rollout_id, prompt_id and finish_reason, in
     *                     UTF-8 bytes; a longer one is {@link RejectReason#NAME_TOO_LONG}
     */
    public record Limits(int maxPosition, int maxNameBytes) {

        public static final Limits DEFAULTS = new Limits(MAX_POSITION, MAX_NAME_BYTES);

        public Limits {
            // N = last position + 1 must fit an int
            if (maxPosition < 0 || maxPosition > Integer.MAX_VALUE - 1) {
                throw new IllegalArgumentException("canopy.max.position must be between 0 and " + (Integer.MAX_VALUE - 1) + ", got " + maxPosition);
            }
            if (maxNameBytes < 1) {
                throw new IllegalArgumentException("canopy.max.name.bytes must be at least 1, got " + maxNameBytes);
            }
        }
    }
    /** Largest accepted top_logprobs length. */
    public static final int MAX_TOP_LOGPROBS = 1000;
    /** A logprob at most this far above zero counts as zero (rounding). */
    public static final double LOGPROB_TOLERANCE = 1e-6;

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            // Jackson's bundled FastDoubleParser: the JDK's parseDouble was the largest single cost of replay
            .enable(com.fasterxml.jackson.core.StreamReadFeature.USE_FAST_DOUBLE_PARSER)
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build())
            .build();

    private final boolean keepText;
    private final Limits limits;
    private String[] texts = new String[16];
    private final TopLogprobsReader topLogprobs;
    private int[] positions = new int[16];
    private double[] entropies = new double[16];
    private double[] uppers = new double[16];
    private byte[] estimators = new byte[16];
    private int steps;

    public EventParser() {
        this(StepEntropy.DEFAULT_VOCABULARY_SIZE);
    }

    /** @param vocabularySize V for the top-k entropy upper bound */
    public EventParser(int vocabularySize) {
        this(vocabularySize, false);
    }

    /**
     * @param vocabularySize V for the top-k entropy upper bound
     * @param keepText       keep each step's {@code text} in {@link TokenRecord#texts()} (semantic
     *                       diversity only: it is generated content; never log it)
     */
    public EventParser(int vocabularySize, boolean keepText) {
        this(vocabularySize, keepText, Limits.DEFAULTS);
    }

    /**
     * @param vocabularySize V for the top-k entropy upper bound
     * @param keepText       keep each step's {@code text} (semantic diversity only)
     * @param limits         largest position and longest name accepted
     */
    public EventParser(int vocabularySize, boolean keepText, Limits limits) {
        if (vocabularySize < 2) {
            throw new IllegalArgumentException("vocabulary size must be at least 2, got " + vocabularySize);
        }
        this.topLogprobs = new TopLogprobsReader(vocabularySize);
        this.keepText = keepText;
        this.limits = java.util.Objects.requireNonNull(limits, "limits");
    }

    int maxPosition() {
        return limits.maxPosition();
    }

    boolean keepsText() {
        return keepText;
    }

    TopLogprobsReader topLogprobs() {
        return topLogprobs;
    }

    public ParseResult parse(byte[] data) {
        return parse(data, 0, data.length);
    }

    public ParseResult parse(byte[] data, int offset, int length) {
        steps = 0;
        try (JsonParser p = FACTORY.createParser(data, offset, length)) {
            try {
                TokenRecord record = parseRecord(p);
                if (p.nextToken() != null) {
                    throw new ParseRejection(RejectReason.NOT_JSON, "trailing content after the JSON object");
                }
                return ParseResult.accepted(record);
            } catch (ParseRejection r) {
                return ParseResult.rejected(r.reason, r.getMessage());
            } catch (IOException e) {
                return ParseResult.rejected(RejectReason.NOT_JSON, firstLine(e.getMessage()));
            }
        } catch (IOException e) {
            return ParseResult.rejected(RejectReason.NOT_JSON, firstLine(e.getMessage()));
        }
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "malformed JSON";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }

    private TokenRecord parseRecord(JsonParser p) throws IOException, ParseRejection {
        JsonToken first = p.nextToken();
        if (first == null) {
            throw new ParseRejection(RejectReason.NOT_JSON, "empty record");
        }
        if (first != JsonToken.START_OBJECT) {
            // consume the value so that a syntax error inside it still reads as not_json
            p.skipChildren();
            while (p.nextToken() != null) {
                p.skipChildren();
            }
            throw new ParseRejection(RejectReason.NOT_OBJECT, "record is a JSON " + describe(first) + ", not an object");
        }
        String model = null;
        String release = null;
        String rolloutId = null;
        String promptId = null;
        String finishReason = null;
        boolean isFinal = false;
        long timestamp = -1;
        boolean chunk = false;
        StepFields top = new StepFields(this);

        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken t = p.nextToken();
            switch (name) {
                case "model" -> model = string(p, t, name);
                case "release" -> release = string(p, t, name);
                case "rollout_id" -> rolloutId = string(p, t, name);
                case "prompt_id" -> promptId = string(p, t, name);
                case "finish_reason" -> finishReason = string(p, t, name);
                case "final" -> isFinal = bool(t, name);
                case "timestamp" -> timestamp = optionalLong(p, t, name);
                case "tokens" -> {
                    chunk = true;
                    parseChunk(p, t);
                }
                default -> {
                    if (!top.accept(p, t, name)) {
                        p.skipChildren();
                    }
                }
            }
        }
        NameRules.requireNonEmpty(model, "model");
        NameRules.requireNonEmpty(release, "release");
        NameRules.requireNonEmpty(rolloutId, "rollout_id");
        int maxName = limits.maxNameBytes();
        NameRules.require(model, "model", NameRules.Role.KEY_PART, maxName);
        NameRules.require(release, "release", NameRules.Role.KEY_PART, maxName);
        NameRules.require(rolloutId, "rollout_id", NameRules.Role.KEY_PART, maxName);
        if (promptId != null) {
            NameRules.require(promptId, "prompt_id", NameRules.Role.KEY_PART, maxName);
        }
        if (finishReason != null) {
            NameRules.require(finishReason, "finish_reason", NameRules.Role.VALUE, maxName);
        }
        if (chunk) {
            if (top.any()) {
                throw new ParseRejection(RejectReason.INVALID_CHUNK, "a chunk record must not carry step fields at top level");
            }
            if (steps == 0) {
                throw new ParseRejection(RejectReason.INVALID_CHUNK, "tokens is empty");
            }
        } else {
            top.finish();
        }
        return new TokenRecord(model, release, rolloutId, promptId == null ? "" : promptId, isFinal, finishReason,
                timestamp, Arrays.copyOf(positions, steps), Arrays.copyOf(entropies, steps),
                Arrays.copyOf(uppers, steps), Arrays.copyOf(estimators, steps), keepText ? Arrays.copyOf(texts, steps) : null);
    }

    private void parseChunk(JsonParser p, JsonToken t) throws IOException, ParseRejection {
        if (t != JsonToken.START_ARRAY) {
            throw new ParseRejection(RejectReason.WRONG_TYPE, "tokens must be an array");
        }
        JsonToken e;
        while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
            if (e != JsonToken.START_OBJECT) {
                throw new ParseRejection(RejectReason.WRONG_TYPE, "tokens[" + steps + "] must be an object");
            }
            StepFields step = new StepFields(this);
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                if (!step.accept(p, v, name)) {
                    p.skipChildren();
                }
            }
            step.finish();
        }
    }

    /** Appends one validated step, with its text when the parser keeps text (null otherwise). */
    void addStep(String text, int position, double entropy, double upper, Estimator estimator) {
        if (steps == positions.length) {
            int n = steps * 2;
            positions = Arrays.copyOf(positions, n);
            entropies = Arrays.copyOf(entropies, n);
            uppers = Arrays.copyOf(uppers, n);
            estimators = Arrays.copyOf(estimators, n);
            texts = Arrays.copyOf(texts, n);
        }
        texts[steps] = text;
        positions[steps] = position;
        entropies[steps] = entropy;
        uppers[steps] = upper;
        estimators[steps] = (byte) estimator.ordinal();
        steps++;
    }

    private static String string(JsonParser p, JsonToken t, String name) throws IOException, ParseRejection {
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        if (t != JsonToken.VALUE_STRING) {
            throw new ParseRejection(RejectReason.WRONG_TYPE, name + " must be a string");
        }
        return p.getText();
    }

    private static boolean bool(JsonToken t, String name) throws ParseRejection {
        if (t == JsonToken.VALUE_TRUE) {
            return true;
        }
        if (t == JsonToken.VALUE_FALSE || t == JsonToken.VALUE_NULL) {
            return false;
        }
        throw new ParseRejection(RejectReason.WRONG_TYPE, name + " must be a boolean");
    }

    private static long optionalLong(JsonParser p, JsonToken t, String name) throws IOException, ParseRejection {
        if (t == JsonToken.VALUE_NULL) {
            return -1;
        }
        if (t != JsonToken.VALUE_NUMBER_INT) {
            throw new ParseRejection(RejectReason.WRONG_TYPE, name + " must be an integer (epoch ms)");
        }
        return p.getLongValue();
    }

    private static String describe(JsonToken t) {
        return switch (t) {
            case START_ARRAY -> "array";
            case VALUE_STRING -> "string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "number";
            case VALUE_TRUE, VALUE_FALSE -> "boolean";
            case VALUE_NULL -> "null";
            default -> t.name().toLowerCase();
        };
    }
}
