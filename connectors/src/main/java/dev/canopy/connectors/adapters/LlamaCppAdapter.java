package dev.canopy.connectors.adapters;

import com.fasterxml.jackson.databind.JsonNode;
import dev.canopy.connectors.events.FinishReasons;
import dev.canopy.connectors.events.Rejection;
import dev.canopy.connectors.events.RolloutContext;
import dev.canopy.connectors.events.RolloutEmitter;
import dev.canopy.connectors.events.TokenEventSink;
import dev.canopy.connectors.events.TokenStep;

/**
 * llama.cpp server, native {@code POST /completion} (its {@code /v1} routes are {@link OpenAiAdapter}'s).
 *
 * <p>With {@code n_probs: k}, {@code completion_probabilities[]} holds one entry per generated token:
 * <ul>
 *   <li>default form {@code {id, token, logprob, bytes, top_logprobs:[{id, token, logprob, bytes}]}}:
 *       the values of the model's distribution (before samplers);</li>
 *   <li>with {@code post_sampling_probs: true}, {@code {id, token, prob, bytes, top_probs:[...]}}: the
 *       probabilities after the sampler chain (top-k, top-p, min-p, temperature), i.e. of the
 *       distribution the token was drawn from. They are converted to logprobs (see
 *       {@link Probabilities}); candidates the samplers removed come with probability 0 and are dropped.</li>
 * </ul>
 * {@code stop: true} marks the end, {@code stop_type} says why: {@code eos} and {@code word} &rarr;
 * {@code stop}, {@code limit} &rarr; {@code length}. On {@code word}, llama.cpp trims the stop string's
 * tokens from the non-streamed probabilities, so N excludes them. A body that is an array (several
 * prompts) holds one result per element; the rollout index is the result's {@code index}, else its
 * position. Streamed ({@code stream: true}) bodies are SSE with the same objects carrying each new
 * token's entries; older servers repeat every entry on the final ({@code stop: true}) event, so entries
 * on that event are used only when no earlier event carried any.
 *
 * <p>The pre-2025 layout ({@code completion_probabilities:[{content, probs:[{tok_str, prob}]}]}) is not
 * read: its steps are rejected as {@code missing_logprobs}.
 */
public final class LlamaCppAdapter {

    /** What a result object is: a whole non-streamed generation, or one event of a stream. */
    private enum Body {
        WHOLE,
        STREAMED_EVENT
    }

    private LlamaCppAdapter() {
    }

    /** A non-streamed {@code /completion} body (object, or array of objects). */
    public static void adaptCompletion(byte[] body, RolloutContext ctx, TokenEventSink sink) {
        SseJsonAdapter.objectOrArray(body, new ChoiceRollouts(ctx, sink), (r, i, rollouts) -> result(r, i, rollouts, Body.WHOLE));
    }

    /** An adapter for a streamed {@code /completion} body. */
    public static StreamingAdapter stream(RolloutContext ctx, TokenEventSink sink) {
        return new SseJsonAdapter(new ChoiceRollouts(ctx, sink), SseJsonAdapter.StreamEnd.DONE_LINE, (event, rollouts) -> {
            if (!SseJsonAdapter.serverError(event, rollouts)) {
                result(event, 0, rollouts, Body.STREAMED_EVENT);
            }
        });
    }

    private static void result(JsonNode r, int position, ChoiceRollouts rollouts, Body body) {
        boolean complete = body == Body.WHOLE;
        if (!r.isObject()) {
            rollouts.stop(Rejection.Reason.MALFORMED_PAYLOAD);
            return;
        }
        JsonNode indexNode = r.get("index");
        int index = indexNode != null && indexNode.canConvertToInt() ? indexNode.intValue() : position;
        RolloutEmitter emitter = rollouts.choice(index);
        if (emitter == null) {
            return;
        }
        boolean stop = r.path("stop").asBoolean(false);
        JsonNode probs = r.get("completion_probabilities");
        boolean repeatOnFinal = !complete && stop && emitter.tokens() > 0;
        if (probs != null && probs.isArray() && !repeatOnFinal) {
            for (JsonNode entry : probs) {
                step(entry, emitter);
            }
        } else if ((probs == null || probs.isNull()) && complete && Json.nonEmptyText(r.get("content"))) {
            emitter.poison(Rejection.Reason.NO_LOGPROBS);
        }
        if (stop || complete) {
            emitter.finish(FinishReasons.normalise(Json.text(r.get("stop_type"))));
        }
    }

    private static void step(JsonNode entry, RolloutEmitter emitter) {
        String text = Json.text(entry.get("token"));
        if (entry.has("prob") || entry.has("top_probs")) {
            Double p = Json.number(entry.get("prob"));
            Double logprob = null;
            if (p != null) {
                if (!Probabilities.valid(p)) {
                    emitter.rejectStep(Rejection.Reason.INVALID_PROBABILITY);
                    return;
                }
                logprob = p > 0 ? Probabilities.log(p) : null;
            }
            double[] top = Json.numbers(entry.get("top_probs"), "prob");
            if (top != null) {
                for (int j = 0; j < top.length; j++) {
                    if (!Probabilities.valid(top[j])) {
                        emitter.rejectStep(Rejection.Reason.INVALID_PROBABILITY);
                        return;
                    }
                    top[j] = Probabilities.log(top[j]);
                }
            }
            emitter.step(TokenStep.of(logprob, top, text));
        } else {
            emitter.step(TokenStep.of(Json.number(entry.get("logprob")), Json.numbers(entry.get("top_logprobs"), "logprob"), text));
        }
    }
}
