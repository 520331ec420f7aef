package dev.canopy.core.events;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.canopy.core.entropy.StepEntropy;

import java.io.IOException;

/**
 * Reads a step's {@code top_logprobs} array into a reused buffer and turns it into the step's renormalised
 * top-k entropy and its upper bound. Not thread-safe, like the parser that owns it.
 */
final class TopLogprobsReader {

    private final int vocabularySize;
    private final double[] candidates = new double[EventParser.MAX_TOP_LOGPROBS];
    private final double[] estimates = new double[2];

    TopLogprobsReader(int vocabularySize) {
        this.vocabularySize = vocabularySize;
    }

    void read(JsonParser p, JsonToken t, StepFields step) throws IOException, ParseRejection {
        if (t != JsonToken.START_ARRAY) {
            throw new ParseRejection(RejectReason.WRONG_TYPE, "top_logprobs must be an array");
        }
        int k = 0;
        JsonToken e;
        while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
            if (e != JsonToken.VALUE_NUMBER_FLOAT && e != JsonToken.VALUE_NUMBER_INT) {
                throw new ParseRejection(RejectReason.INVALID_TOP_LOGPROBS, "top_logprobs entries must be numbers");
            }
            if (k == EventParser.MAX_TOP_LOGPROBS) {
                throw new ParseRejection(RejectReason.INVALID_TOP_LOGPROBS, "more than " + EventParser.MAX_TOP_LOGPROBS + " top_logprobs");
            }
            double v = p.getDoubleValue();
            if (Double.isNaN(v) || v > EventParser.LOGPROB_TOLERANCE) {
                throw new ParseRejection(RejectReason.INVALID_TOP_LOGPROBS, "top_logprobs entries must be <= 0");
            }
            candidates[k++] = Math.min(v, 0.0);
        }
        if (k == 0) {
            throw new ParseRejection(RejectReason.INVALID_TOP_LOGPROBS, "top_logprobs is empty");
        }
        if (!StepEntropy.topKWithUpperBound(candidates, k, vocabularySize, estimates)) {
            throw new ParseRejection(RejectReason.INVALID_TOP_LOGPROBS, "top_logprobs has no finite entry");
        }
        step.topK = estimates[0];
        step.topKUpper = estimates[1];
    }
}
