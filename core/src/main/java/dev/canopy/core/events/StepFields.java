package dev.canopy.core.events;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import java.io.IOException;

/**
 * The step fields of one token (at top level or in a chunk's {@code tokens}), validated as they are read;
 * {@link #finish()} hands the step to its parser with the entropy of the best source it carries.
 */
final class StepFields {

    private final EventParser owner;
    boolean hasPosition;
    int position;
    double entropy = Double.NaN;
    double logprob = Double.NaN;
    double topK = Double.NaN;
    double topKUpper = Double.NaN;
    String text;
    boolean seen;

    StepFields(EventParser owner) {
        this.owner = owner;
    }

    boolean any() {
        return seen;
    }

    boolean accept(JsonParser p, JsonToken t, String name) throws IOException, ParseRejection {
        switch (name) {
            case "position" -> {
                seen = true;
                if (t == JsonToken.VALUE_NULL) {
                    return true;
                }
                if (t != JsonToken.VALUE_NUMBER_INT) {
                    throw new ParseRejection(RejectReason.WRONG_TYPE, "position must be an integer");
                }
                if (p.getNumberType() != JsonParser.NumberType.INT && p.getNumberType() != JsonParser.NumberType.LONG) {
                    throw new ParseRejection(p.getBigIntegerValue().signum() < 0 ? RejectReason.NEGATIVE_POSITION
                            : RejectReason.POSITION_OUT_OF_RANGE, "position out of range");
                }
                long v = p.getLongValue();
                if (v < 0) {
                    throw new ParseRejection(RejectReason.NEGATIVE_POSITION, "position " + v + " is negative");
                }
                if (v > owner.maxPosition()) {
                    throw new ParseRejection(RejectReason.POSITION_OUT_OF_RANGE, "position " + v + " exceeds " + owner.maxPosition());
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
                    throw new ParseRejection(RejectReason.INVALID_ENTROPY, "entropy must be finite and >= 0");
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
                if (!(v <= EventParser.LOGPROB_TOLERANCE) || Double.isInfinite(v)) {
                    throw new ParseRejection(RejectReason.INVALID_LOGPROB, "logprob must be finite and <= 0");
                }
                logprob = Math.min(v, 0.0);
                return true;
            }
            case "top_logprobs" -> {
                seen = true;
                if (t == JsonToken.VALUE_NULL) {
                    return true;
                }
                owner.topLogprobs().read(p, t, this);
                return true;
            }
            case "text" -> {
                if (t == JsonToken.VALUE_NULL) {
                    return true;
                }
                if (t != JsonToken.VALUE_STRING) {
                    throw new ParseRejection(RejectReason.WRONG_TYPE, "text must be a string");
                }
                if (owner.keepsText()) {
                    text = p.getText();
                }
                return true;
            }
            default -> {
                return false;
            }
        }
    }

    void finish() throws ParseRejection {
        if (!hasPosition) {
            throw new ParseRejection(RejectReason.MISSING_FIELD, "position is missing");
        }
        if (!Double.isNaN(entropy)) {
            owner.addStep(text, position, entropy, entropy, Estimator.EXACT);
        } else if (!Double.isNaN(topK)) {
            owner.addStep(text, position, topK, topKUpper, Estimator.TOPK);
        } else if (!Double.isNaN(logprob)) {
            owner.addStep(text, position, 0.0 - logprob, 0.0 - logprob, Estimator.SURPRISAL);
        } else {
            throw new ParseRejection(RejectReason.NO_ENTROPY_SOURCE, "none of entropy, top_logprobs, logprob");
        }
    }

    private static double number(JsonParser p, JsonToken t, String name) throws IOException, ParseRejection {
        if (t != JsonToken.VALUE_NUMBER_FLOAT && t != JsonToken.VALUE_NUMBER_INT) {
            throw new ParseRejection(RejectReason.WRONG_TYPE, name + " must be a number");
        }
        return p.getDoubleValue();
    }
}
