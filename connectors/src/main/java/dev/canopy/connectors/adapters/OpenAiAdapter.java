package dev.canopy.connectors.adapters;

import com.fasterxml.jackson.databind.JsonNode;
import dev.canopy.connectors.events.FinishReasons;
import dev.canopy.connectors.events.Rejection;
import dev.canopy.connectors.events.RolloutContext;
import dev.canopy.connectors.events.RolloutEmitter;
import dev.canopy.connectors.events.TokenEventSink;
import dev.canopy.connectors.events.TokenStep;


/**
 * OpenAI-compatible responses: {@code /v1/chat/completions} and the legacy {@code /v1/completions}, as
 * served by OpenAI, Azure OpenAI, vLLM, SGLang, llama.cpp's and Ollama's {@code /v1} endpoints, TGI's
 * Messages API.
 *
 * <p>Per choice (one rollout each, id = base + ":" + {@code index}):
 * <ul>
 *   <li>chat: {@code logprobs.content[]} (then {@code logprobs.refusal[]}), each {@code {token, logprob,
 *       top_logprobs:[{token, logprob}]}} &rarr; {@code logprob}, {@code top_logprobs} in list order;</li>
 *   <li>legacy: {@code logprobs.tokens[]}, {@code token_logprobs[]}, {@code top_logprobs[]} (one
 *       {@code {token: logprob}} object per step) &rarr; the same. A legacy request with {@code echo: true}
 *       puts the prompt's tokens first: this adapter cannot tell them apart, so do not adapt echo responses;</li>
 *   <li>{@code finish_reason} &rarr; {@code final} + {@link FinishReasons#normalise normalised} finish reason.
 *       OpenAI reports no logprobs for the EOS step (its stop chunk has {@code logprobs: null}), so N
 *       excludes it.</li>
 * </ul>
 * A choice (or a streamed chunk of it) that carries text but no logprob entries ({@code logprobs: null}
 * or empty lists) is rejected as {@code no_logprobs} (the server was not asked, or ignores the request):
 * its positions could not be trusted any more, so nothing more is published for that rollout. Streamed responses
 * ({@code data:} lines, {@code [DONE]}) may spread a choice over many chunks and put its finish reason
 * in a later chunk than its last token; any chunk may also carry several tokens. A stream that ends
 * before a choice's finish reason leaves that rollout without {@code final}. An {@code error} object in
 * the body or in a chunk, or an unreadable chunk, stops all the response's rollouts.
 *
 * <p>Tokens the server generated without reporting logprobs (tool-call arguments, hidden reasoning
 * tokens) are not seen: N counts only the tokens in the logprobs lists.
 */
public final class OpenAiAdapter {

    private OpenAiAdapter() {
    }

    /** A non-streamed {@code chat.completion} or {@code text_completion} body. Every choice is complete. */
    public static void adaptResponse(byte[] body, RolloutContext ctx, TokenEventSink sink) {
        ChoiceRollouts rollouts = new ChoiceRollouts(ctx, sink);
        JsonNode root = Json.read(body);
        if (root == null || !root.isObject()) {
            rollouts.stop(Rejection.Reason.MALFORMED_PAYLOAD);
            return;
        }
        onObject(root, rollouts);
        rollouts.finishOpen();
    }

    /** An adapter for a streamed ({@code stream: true}) body: the raw SSE bytes. */
    public static StreamingAdapter stream(RolloutContext ctx, TokenEventSink sink) {
        return new SseJsonAdapter(new ChoiceRollouts(ctx, sink), SseJsonAdapter.StreamEnd.DONE_LINE, OpenAiAdapter::onObject);
    }

    private static void onObject(JsonNode root, ChoiceRollouts rollouts) {
        if (root.hasNonNull("error")) {
            rollouts.stop(Rejection.Reason.SERVER_ERROR);
            return;
        }
        rollouts.responseId(Json.text(root.get("id")));
        JsonNode choices = root.get("choices");
        if (choices == null || !choices.isArray()) {
            return;
        }
        for (int i = 0; i < choices.size(); i++) {
            JsonNode choice = choices.get(i);
            if (!choice.isObject()) {
                rollouts.stop(Rejection.Reason.MALFORMED_PAYLOAD);
                return;
            }
            JsonNode indexNode = choice.get("index");
            int index = indexNode != null && indexNode.canConvertToInt() ? indexNode.intValue() : i;
            RolloutEmitter emitter = rollouts.choice(index);
            if (emitter == null) {
                return;
            }
            JsonNode logprobs = choice.get("logprobs");
            int listed = logprobs != null && logprobs.isObject() ? steps(logprobs, emitter) : 0;
            if (listed == 0 && carriesText(choice)) {
                emitter.poison(Rejection.Reason.NO_LOGPROBS);
            }
            String finish = Json.text(choice.get("finish_reason"));
            if (finish != null) {
                emitter.finish(FinishReasons.normalise(finish));
            }
        }
    }

    /** Emits the steps listed in a choice's logprobs object; returns how many. */
    private static int steps(JsonNode logprobs, RolloutEmitter emitter) {
        int listed = 0;
        JsonNode content = logprobs.get("content");
        if (content != null && content.isArray()) {
            listed += content.size();
            chatSteps(content, emitter);
        }
        JsonNode refusal = logprobs.get("refusal");
        if (refusal != null && refusal.isArray()) {
            listed += refusal.size();
            chatSteps(refusal, emitter);
        }
        JsonNode tokenLogprobs = logprobs.get("token_logprobs");
        if (tokenLogprobs != null && tokenLogprobs.isArray()) {
            listed += tokenLogprobs.size();
            JsonNode tokens = logprobs.get("tokens");
            JsonNode tops = logprobs.get("top_logprobs");
            for (int t = 0; t < tokenLogprobs.size(); t++) {
                double[] top = null;
                if (tops != null && tops.isArray() && t < tops.size() && tops.get(t).isObject()) {
                    JsonNode dict = tops.get(t);
                    top = new double[dict.size()];
                    int j = 0;
                    for (JsonNode value : dict) {
                        Double v = Json.number(value);
                        top[j++] = v == null ? Double.NaN : v;
                    }
                }
                String text = tokens != null && tokens.isArray() && t < tokens.size() ? Json.text(tokens.get(t)) : null;
                emitter.step(TokenStep.of(Json.number(tokenLogprobs.get(t)), top, text));
            }
        }
        return listed;
    }

    private static void chatSteps(JsonNode entries, RolloutEmitter emitter) {
        for (JsonNode e : entries) {
            emitter.step(TokenStep.of(Json.number(e.get("logprob")), Json.numbers(e.get("top_logprobs"), "logprob"),
                    Json.text(e.get("token"))));
        }
    }

    private static boolean carriesText(JsonNode choice) {
        JsonNode delta = choice.get("delta");
        JsonNode message = choice.get("message");
        return Json.nonEmptyText(choice.get("text"))
                || (delta != null && (Json.nonEmptyText(delta.get("content")) || Json.nonEmptyText(delta.get("refusal"))))
                || (message != null && (Json.nonEmptyText(message.get("content")) || Json.nonEmptyText(message.get("refusal"))));
    }
}
