package dev.canopy.connectors.adapters;

import com.fasterxml.jackson.databind.JsonNode;
import dev.canopy.connectors.events.FinishReasons;
import dev.canopy.connectors.events.Rejection;
import dev.canopy.connectors.events.RolloutContext;
import dev.canopy.connectors.events.RolloutEmitter;
import dev.canopy.connectors.events.TokenEventSink;
import dev.canopy.connectors.events.TokenStep;

/**
 * Ollama's native {@code /api/generate} and {@code /api/chat} (Ollama 0.12.11 or later, request
 * {@code logprobs: true} and {@code top_logprobs: 0..20}). Streamed bodies are NDJSON, one object per
 * line; a non-streamed body is one such object. Each object's {@code logprobs[]} holds the new tokens'
 * {@code {token, logprob, bytes, top_logprobs:[{token, logprob, bytes}]}}; the object with
 * {@code done: true} ends the rollout with {@code done_reason} ({@code stop}, {@code length}; other
 * words such as {@code load} are passed on). A line {@code {"error": ...}} stops the rollout. Ollama's
 * {@code /v1} endpoints are {@link OpenAiAdapter}'s; mind their weak response ids (see
 * {@link dev.canopy.connectors.events.RolloutIdGuard}).
 */
public final class OllamaAdapter {

    private OllamaAdapter() {
    }

    /** A complete body: one object ({@code stream: false}) or the whole NDJSON stream. */
    public static void adaptResponse(byte[] body, RolloutContext ctx, TokenEventSink sink) {
        StreamingAdapter a = stream(ctx, sink);
        a.feed(body, 0, body.length);
        a.finish();
    }

    /** An adapter for a streamed NDJSON body. */
    public static StreamingAdapter stream(RolloutContext ctx, TokenEventSink sink) {
        ChoiceRollouts rollouts = new ChoiceRollouts(ctx, sink);
        return new StreamingAdapter() {
            private final LineSplitter lines = new LineSplitter(this::line);
            private boolean finished;

            private void line(byte[] b, int off, int len) {
                if (finished || rollouts.stopped() || isBlank(b, off, len)) {
                    return;
                }
                JsonNode obj = Json.read(b, off, len);
                if (obj == null || !obj.isObject()) {
                    rollouts.stop(Rejection.Reason.MALFORMED_PAYLOAD);
                    return;
                }
                if (obj.hasNonNull("error")) {
                    rollouts.stop(Rejection.Reason.SERVER_ERROR);
                    return;
                }
                RolloutEmitter emitter = rollouts.choice(0);
                JsonNode logprobs = obj.get("logprobs");
                if (logprobs != null && logprobs.isArray()) {
                    for (JsonNode e : logprobs) {
                        emitter.step(TokenStep.of(Json.number(e.get("logprob")), Json.numbers(e.get("top_logprobs"), "logprob"),
                                Json.text(e.get("token"))));
                    }
                } else if (carriesText(obj)) {
                    emitter.poison(Rejection.Reason.NO_LOGPROBS);
                }
                if (obj.path("done").asBoolean(false)) {
                    emitter.finish(FinishReasons.normalise(Json.text(obj.get("done_reason"))));
                }
            }

            @Override
            public void feed(byte[] bytes, int offset, int length) {
                if (!finished) {
                    lines.feed(bytes, offset, length);
                }
            }

            @Override
            public void finish() {
                if (finished) {
                    return;
                }
                lines.finish();
                finished = true;
                rollouts.abandonOpen();
            }
        };
    }

    private static boolean carriesText(JsonNode obj) {
        JsonNode message = obj.get("message");
        return Json.nonEmptyText(obj.get("response")) || (message != null && Json.nonEmptyText(message.get("content")));
    }

    private static boolean isBlank(byte[] b, int off, int len) {
        for (int i = off; i < off + len; i++) {
            if (b[i] != ' ' && b[i] != '\t') {
                return false;
            }
        }
        return true;
    }
}
