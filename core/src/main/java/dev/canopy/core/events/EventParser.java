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

    private final int vocabularySize;
    private final boolean keepText;
    private final Limits limits;
    private String[] texts = new String[16];
    private final double[] candidates = new double[MAX_TOP_LOGPROBS];
    private int[] positions = new int[16];
    private double[] entropies = new double[16];
    private double[] uppers = new double[16];
    private byte[] estimators = new byte[16];
    private int steps;

    /** Thrown internally to abort parsing with a reason; carries no stack trace. */
    private static final class Reject extends Exception {
        final RejectReason reason;

        Reject(RejectReason reason, String detail) {
            super(detail, null, false, false);
            this.reason = reason;
        }
    }

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
        this.vocabularySize = vocabularySize;
        this.keepText = keepText;
        this.limits = java.util.Objects.requireNonNull(limits, "limits");
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
                    throw new Reject(RejectReason.NOT_JSON, "trailing content after the JSON object");
                }
                return ParseResult.accepted(record);
            } catch (Reject r) {
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

    private TokenRecord parseRecord(JsonParser p) throws IOException, Reject {
        JsonToken first = p.nextToken();
        if (first == null) {
            throw new Reject(RejectReason.NOT_JSON, "empty record");
        }
        if (first != JsonToken.START_OBJECT) {
            // consume the value so that a syntax error inside it still reads as not_json
            p.skipChildren();
            while (p.nextToken() != null) {
                p.skipChildren();
            }
            throw new Reject(RejectReason.NOT_OBJECT, "record is a JSON " + describe(first) + ", not an object");
        }
        String model = null;
        String release = null;
        String rolloutId = null;
        String promptId = null;
        String finishReason = null;
        boolean isFinal = false;
        long timestamp = -1;
        boolean chunk = false;
        StepFields top = new StepFields();

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
                    if (!top.accept(this, p, t, name)) {
                        p.skipChildren();
                    }
                }
            }
        }
        requireNonEmpty(model, "model");
        requireNonEmpty(release, "release");
        requireNonEmpty(rolloutId, "rollout_id");
        requireName(model, "model", true);
        requireName(release, "release", true);
        requireName(rolloutId, "rollout_id", true);
        if (promptId != null) {
            requireName(promptId, "prompt_id", true);
        }
        if (finishReason != null) {
            requireName(finishReason, "finish_reason", false);
        }
        if (chunk) {
            if (top.any()) {
                throw new Reject(RejectReason.INVALID_CHUNK, "a chunk record must not carry step fields at top level");
            }
            if (steps == 0) {
                throw new Reject(RejectReason.INVALID_CHUNK, "tokens is empty");
            }
        } else {
            top.finish(this);
        }
        return new TokenRecord(model, release, rolloutId, promptId == null ? "" : promptId, isFinal, finishReason,
                timestamp, Arrays.copyOf(positions, steps), Arrays.copyOf(entropies, steps),
                Arrays.copyOf(uppers, steps), Arrays.copyOf(estimators, steps), keepText ? Arrays.copyOf(texts, steps) : null);
    }

    private void parseChunk(JsonParser p, JsonToken t) throws IOException, Reject {
        if (t != JsonToken.START_ARRAY) {
            throw new Reject(RejectReason.WRONG_TYPE, "tokens must be an array");
        }
        JsonToken e;
        while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
            if (e != JsonToken.START_OBJECT) {
                throw new Reject(RejectReason.WRONG_TYPE, "tokens[" + steps + "] must be an object");
            }
            StepFields step = new StepFields();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                if (!step.accept(this, p, v, name)) {
                    p.skipChildren();
                }
            }
            step.finish(this);
        }
    }

    /** The step fields of one token, validated as they are read. */
    private static final class StepFields {
        boolean hasPosition;
        int position;
        double entropy = Double.NaN;
        double logprob = Double.NaN;
        double topK = Double.NaN;
        double topKUpper = Double.NaN;
        String text;
        boolean seen;

        boolean any() {
            return seen;
        }

        boolean accept(EventParser owner, JsonParser p, JsonToken t, String name) throws IOException, Reject {
            switch (name) {
                case "position" -> {
                    seen = true;
                    if (t == JsonToken.VALUE_NULL) {
                        return true;
                    }
                    if (t != JsonToken.VALUE_NUMBER_INT) {
                        throw new Reject(RejectReason.WRONG_TYPE, "position must be an integer");
                    }
                    if (p.getNumberType() != JsonParser.NumberType.INT && p.getNumberType() != JsonParser.NumberType.LONG) {
                        throw new Reject(p.getBigIntegerValue().signum() < 0 ? RejectReason.NEGATIVE_POSITION
                                : RejectReason.POSITION_OUT_OF_RANGE, "position out of range");
                    }
                    long v = p.getLongValue();
                    if (v < 0) {
                        throw new Reject(RejectReason.NEGATIVE_POSITION, "position " + v + " is negative");
                    }
                    if (v > owner.limits.maxPosition()) {
                        throw new Reject(RejectReason.POSITION_OUT_OF_RANGE, "position " + v + " exceeds " + owner.limits.maxPosition());
                    }
                    hasPosition = true;
                    position = (int) v;
                    return true;
                }
                case "entropy" -> {
                    seen = true;
                    if (t == JsonToken.VALUE_NULL) {
                        return true;
                    }
                    double v = number(p, t, name);
                    if (!(v >= 0) || Double.isInfinite(v)) {
                        throw new Reject(RejectReason.INVALID_ENTROPY, "entropy must be finite and >= 0");
                    }
                    entropy = v;
                    return true;
                }
                case "logprob" -> {
                    seen = true;
                    if (t == JsonToken.VALUE_NULL) {
                        return true;
                    }
                    double v = number(p, t, name);
                    if (!(v <= LOGPROB_TOLERANCE) || Double.isInfinite(v)) {
                        throw new Reject(RejectReason.INVALID_LOGPROB, "logprob must be finite and <= 0");
                    }
                    logprob = Math.min(v, 0.0);
                    return true;
                }
                case "top_logprobs" -> {
                    seen = true;
                    if (t == JsonToken.VALUE_NULL) {
                        return true;
                    }
                    owner.readTopLogprobs(p, t, this);
                    return true;
                }
                case "text" -> {
                    if (t == JsonToken.VALUE_NULL) {
                        return true;
                    }
                    if (t != JsonToken.VALUE_STRING) {
                        throw new Reject(RejectReason.WRONG_TYPE, "text must be a string");
                    }
                    if (owner.keepText) {
                        text = p.getText();
                    }
                    return true;
                }
                default -> {
                    return false;
                }
            }
        }

        void finish(EventParser owner) throws Reject {
            if (!hasPosition) {
                throw new Reject(RejectReason.MISSING_FIELD, "position is missing");
            }
            owner.pendingText = text;
            if (!Double.isNaN(entropy)) {
                owner.addStep(position, entropy, entropy, Estimator.EXACT);
            } else if (!Double.isNaN(topK)) {
                owner.addStep(position, topK, topKUpper, Estimator.TOPK);
            } else if (!Double.isNaN(logprob)) {
                owner.addStep(position, 0.0 - logprob, 0.0 - logprob, Estimator.SURPRISAL);
            } else {
                throw new Reject(RejectReason.NO_ENTROPY_SOURCE, "none of entropy, top_logprobs, logprob");
            }
        }
    }

    private void readTopLogprobs(JsonParser p, JsonToken t, StepFields step) throws IOException, Reject {
        if (t != JsonToken.START_ARRAY) {
            throw new Reject(RejectReason.WRONG_TYPE, "top_logprobs must be an array");
        }
        int k = 0;
        JsonToken e;
        while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
            if (e != JsonToken.VALUE_NUMBER_FLOAT && e != JsonToken.VALUE_NUMBER_INT) {
                throw new Reject(RejectReason.INVALID_TOP_LOGPROBS, "top_logprobs entries must be numbers");
            }
            if (k == MAX_TOP_LOGPROBS) {
                throw new Reject(RejectReason.INVALID_TOP_LOGPROBS, "more than " + MAX_TOP_LOGPROBS + " top_logprobs");
            }
            double v = p.getDoubleValue();
            if (Double.isNaN(v) || v > LOGPROB_TOLERANCE) {
                throw new Reject(RejectReason.INVALID_TOP_LOGPROBS, "top_logprobs entries must be <= 0");
            }
            candidates[k++] = Math.min(v, 0.0);
        }
        if (k == 0) {
            throw new Reject(RejectReason.INVALID_TOP_LOGPROBS, "top_logprobs is empty");
        }
        double h = StepEntropy.topK(candidates, k);
        if (Double.isNaN(h)) {
            throw new Reject(RejectReason.INVALID_TOP_LOGPROBS, "top_logprobs has no finite entry");
        }
        step.topK = h;
        step.topKUpper = StepEntropy.topKUpperBound(candidates, k, h, vocabularySize);
    }

    private String pendingText;

    private void addStep(int position, double entropy, double upper, Estimator estimator) {
        if (steps == positions.length) {
            int n = steps * 2;
            positions = Arrays.copyOf(positions, n);
            entropies = Arrays.copyOf(entropies, n);
            uppers = Arrays.copyOf(uppers, n);
            estimators = Arrays.copyOf(estimators, n);
            texts = Arrays.copyOf(texts, n);
        }
        texts[steps] = pendingText;
        positions[steps] = position;
        entropies[steps] = entropy;
        uppers[steps] = upper;
        estimators[steps] = (byte) estimator.ordinal();
        steps++;
    }

    private static double number(JsonParser p, JsonToken t, String name) throws IOException, Reject {
        if (t != JsonToken.VALUE_NUMBER_FLOAT && t != JsonToken.VALUE_NUMBER_INT) {
            throw new Reject(RejectReason.WRONG_TYPE, name + " must be a number");
        }
        return p.getDoubleValue();
    }

    private static String string(JsonParser p, JsonToken t, String name) throws IOException, Reject {
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        if (t != JsonToken.VALUE_STRING) {
            throw new Reject(RejectReason.WRONG_TYPE, name + " must be a string");
        }
        return p.getText();
    }

    private static boolean bool(JsonToken t, String name) throws Reject {
        if (t == JsonToken.VALUE_TRUE) {
            return true;
        }
        if (t == JsonToken.VALUE_FALSE || t == JsonToken.VALUE_NULL) {
            return false;
        }
        throw new Reject(RejectReason.WRONG_TYPE, name + " must be a boolean");
    }

    private static long optionalLong(JsonParser p, JsonToken t, String name) throws IOException, Reject {
        if (t == JsonToken.VALUE_NULL) {
            return -1;
        }
        if (t != JsonToken.VALUE_NUMBER_INT) {
            throw new Reject(RejectReason.WRONG_TYPE, name + " must be an integer (epoch ms)");
        }
        return p.getLongValue();
    }

    private static void requireNonEmpty(String value, String name) throws Reject {
        if (value == null) {
            throw new Reject(RejectReason.MISSING_FIELD, name + " is missing");
        }
        if (value.isEmpty()) {
            throw new Reject(RejectReason.EMPTY_STRING, name + " is empty");
        }
    }

    /**
     * Names become parts of state-store keys, metric labels and topic keys. A name is limited in length
     * (in UTF-8 bytes, as stored) and, when it is a key part, may hold no control character (U+0000 to
     * U+001F, U+007F to U+009F: the stores join names with U+0000) and no unpaired surrogate (which
     * UTF-8 encoding would turn into '?', making two names one key).
     */
    private void requireName(String value, String name, boolean keyPart) throws Reject {
        int bytes = 0;
        int n = value.length();
        for (int i = 0; i < n; i++) {
            char c = value.charAt(i);
            if (c < 0x80) {
                bytes += 1;
                if (keyPart && (c < 0x20 || c == 0x7f)) {
                    throw new Reject(RejectReason.INVALID_NAME, name + " holds the control character U+" + hex(c) + " at index " + i);
                }
            } else if (c < 0x800) {
                bytes += 2;
                if (keyPart && c <= 0x9f) {
                    throw new Reject(RejectReason.INVALID_NAME, name + " holds the control character U+" + hex(c) + " at index " + i);
                }
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(value.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else if (Character.isSurrogate(c)) {
                if (keyPart) {
                    throw new Reject(RejectReason.INVALID_NAME, name + " holds an unpaired surrogate U+" + hex(c) + " at index " + i);
                }
                bytes += 3;
            } else {
                bytes += 3;
            }
        }
        if (bytes > limits.maxNameBytes()) {
            throw new Reject(RejectReason.NAME_TOO_LONG, name + " is " + bytes + " bytes long, over the limit of " + limits.maxNameBytes());
        }
    }

    private static String hex(char c) {
        return String.format("%04X", (int) c);
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
