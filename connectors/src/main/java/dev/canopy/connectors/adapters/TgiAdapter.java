package dev.canopy.connectors.adapters;

import com.fasterxml.jackson.databind.JsonNode;
import dev.canopy.connectors.events.FinishReasons;
import dev.canopy.connectors.events.Rejection;
import dev.canopy.connectors.events.RolloutContext;
import dev.canopy.connectors.events.RolloutEmitter;
import dev.canopy.connectors.events.TokenEventSink;
import dev.canopy.connectors.events.TokenStep;

/**
 * Hugging Face Text Generation Inference, native routes (its {@code /v1/chat/completions} is
 * {@link OpenAiAdapter}'s business).
 *
 * <ul>
 *   <li>{@code POST /generate} with {@code parameters.details: true}: {@code details.tokens[]}
 *       ({@code {id, text, logprob, special}}) are the steps, {@code details.top_tokens[t][]} (present
 *       with {@code parameters.top_n_tokens}) their candidates, {@code details.finish_reason}
 *       ({@code length}, {@code eos_token}, {@code stop_sequence}) the finish. TGI lists the EOS token
 *       among the tokens ({@code special: true}) when it stopped on it, so N includes it (the
 *       recordings in this module's tests both end on {@code length}). {@code prefill}
 *       (the prompt's tokens, with {@code decoder_input_details}) is ignored. With {@code best_of},
 *       {@code details.best_of_sequences[j]} are further rollouts, index j + 1. A body that is an array
 *       (the {@code /} route) holds one such object per element, rollout index = element index.</li>
 *   <li>{@code POST /generate_stream}: SSE, one event per token, {@code {index, token, top_tokens,
 *       generated_text, details}}; the event with non-null {@code details} is the last and carries the
 *       finish reason.</li>
 * </ul>
 * Without {@code top_n_tokens} TGI gives the sampled token's logprob only: the monitor then estimates
 * each step's entropy by the surprisal.
 */
public final class TgiAdapter {

    private TgiAdapter() {
    }

    /** A {@code /generate} (or {@code /}) response body. */
    public static void adaptGenerate(byte[] body, RolloutContext ctx, TokenEventSink sink) {
        SseJsonAdapter.objectOrArray(body, new ChoiceRollouts(ctx, sink), TgiAdapter::generation);
    }

    private static void generation(JsonNode gen, int index, ChoiceRollouts rollouts) {
        RolloutEmitter emitter = rollouts.choice(index);
        if (emitter == null) {
            return;
        }
        JsonNode details = gen.get("details");
        if (details == null || !details.isObject()) {
            if (Json.nonEmptyText(gen.get("generated_text"))) {
                emitter.poison(Rejection.Reason.NO_LOGPROBS);
            }
            return;
        }
        sequence(details, emitter);
        JsonNode bestOf = details.get("best_of_sequences");
        if (index == 0 && bestOf != null && bestOf.isArray()) {
            for (int j = 0; j < bestOf.size(); j++) {
                RolloutEmitter other = rollouts.choice(j + 1);
                if (other != null) {
                    sequence(bestOf.get(j), other);
                }
            }
        }
    }

    private static void sequence(JsonNode details, RolloutEmitter emitter) {
        JsonNode tokens = details.get("tokens");
        JsonNode tops = details.get("top_tokens");
        if (tokens != null && tokens.isArray()) {
            for (int t = 0; t < tokens.size(); t++) {
                JsonNode top = tops != null && tops.isArray() && t < tops.size() ? tops.get(t) : null;
                emitter.step(step(tokens.get(t), top));
            }
        }
        emitter.finish(FinishReasons.normalise(Json.text(details.get("finish_reason"))));
    }

    private static TokenStep step(JsonNode token, JsonNode top) {
        return TokenStep.of(Json.number(token.get("logprob")), Json.numbers(top, "logprob"), Json.text(token.get("text")));
    }

    /** An adapter for a {@code /generate_stream} body. */
    public static StreamingAdapter stream(RolloutContext ctx, TokenEventSink sink) {
        return new SseJsonAdapter(new ChoiceRollouts(ctx, sink), SseJsonAdapter.StreamEnd.END_OF_BODY, (event, rollouts) -> {
            if (SseJsonAdapter.serverError(event, rollouts)) {
                return;
            }
            RolloutEmitter emitter = rollouts.choice(0);
            JsonNode token = event.get("token");
            if (token != null && token.isObject()) {
                emitter.step(step(token, event.get("top_tokens")));
            }
            JsonNode details = event.get("details");
            if (details != null && details.isObject()) {
                emitter.finish(FinishReasons.normalise(Json.text(details.get("finish_reason"))));
            }
        });
    }
}
