package dev.canopy.connectors.adapters;

import com.fasterxml.jackson.databind.JsonNode;
import dev.canopy.connectors.events.Rejection;

/**
 * The streaming adapter shared by servers that stream server-sent events whose data lines are JSON
 * objects (OpenAI-compatible servers, llama.cpp, TGI): bytes in any pieces go through the SSE parser,
 * each data object goes to the server-specific handler, a line that is not a JSON object stops the
 * stream as malformed, and the end of the stream abandons the rollouts still open.
 */
final class SseJsonAdapter implements StreamingAdapter {

    /** Reads one event object of the stream. */
    @FunctionalInterface
    interface Handler {
        void onObject(JsonNode event, ChoiceRollouts rollouts);
    }

    /** How the server ends a stream. */
    enum StreamEnd {
        /** A {@code data: [DONE]} line ends the stream (OpenAI style). */
        DONE_LINE,
        /** The stream just ends with the body (TGI). */
        END_OF_BODY
    }

    private final ChoiceRollouts rollouts;
    private final boolean endsWithDone;
    private final Handler handler;
    private final SseParser sse = new SseParser(this::data);
    private boolean finished;

    /** @param end how the server ends the stream: whether a {@code [DONE]} data line comes last */
    SseJsonAdapter(ChoiceRollouts rollouts, StreamEnd end, Handler handler) {
        this.rollouts = rollouts;
        this.endsWithDone = end == StreamEnd.DONE_LINE;
        this.handler = handler;
    }

    private void data(byte[] b, int off, int len) {
        if (finished || rollouts.stopped() || (endsWithDone && SseParser.isDone(b, off, len))) {
            return;
        }
        JsonNode event = Json.read(b, off, len);
        if (event == null || !event.isObject()) {
            rollouts.stop(Rejection.Reason.MALFORMED_PAYLOAD);
            return;
        }
        handler.onObject(event, rollouts);
    }

    @Override
    public void feed(byte[] bytes, int offset, int length) {
        if (!finished) {
            sse.feed(bytes, offset, length);
        }
    }

    @Override
    public void finish() {
        if (finished) {
            return;
        }
        sse.finish();
        finished = true;
        rollouts.abandonOpen();
    }

    /** Stops the rollouts when the event is a server error; true when it was one. */
    static boolean serverError(JsonNode event, ChoiceRollouts rollouts) {
        if (event.hasNonNull("error")) {
            rollouts.stop(Rejection.Reason.SERVER_ERROR);
            return true;
        }
        return false;
    }

    /** Indexed handler for the generations of a non-streamed body. */
    @FunctionalInterface
    interface Generation {
        void accept(JsonNode generation, int index, ChoiceRollouts rollouts);
    }

    /**
     * A non-streamed body that is one generation object or an array of them (TGI, llama.cpp): malformed
     * bodies and server errors stop the rollouts; complete generations are finished.
     */
    static void objectOrArray(byte[] body, ChoiceRollouts rollouts, Generation each) {
        JsonNode root = Json.read(body);
        if (root == null || !(root.isObject() || root.isArray())) {
            rollouts.stop(Rejection.Reason.MALFORMED_PAYLOAD);
            return;
        }
        if (root.isObject() && serverError(root, rollouts)) {
            return;
        }
        if (root.isObject()) {
            each.accept(root, 0, rollouts);
        } else {
            for (int i = 0; i < root.size(); i++) {
                each.accept(root.get(i), i, rollouts);
            }
        }
        rollouts.finishOpen();
    }
}
