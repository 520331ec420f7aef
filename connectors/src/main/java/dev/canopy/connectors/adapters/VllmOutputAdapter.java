package dev.canopy.connectors.adapters;

import com.fasterxml.jackson.databind.JsonNode;
import dev.canopy.connectors.events.FinishReasons;
import dev.canopy.connectors.events.Rejection;
import dev.canopy.connectors.events.RolloutContext;
import dev.canopy.connectors.events.RolloutEmitter;
import dev.canopy.connectors.events.TokenEventSink;
import dev.canopy.connectors.events.TokenStep;

import java.util.Map;
import java.util.Set;

/**
 * vLLM engine output ({@code LLM.generate}/{@code LLM.chat} in Python, {@code SamplingParams(logprobs=k)}),
 * serialised as JSON: an array of completion outputs, each either the triple
 * {@code [token_ids, text, logprobs]} (as vLLM's own test fixtures record it) or an object
 * {@code {"token_ids": [...], "text": ..., "logprobs": [...], "finish_reason": ...}} (the fields of
 * {@code CompletionOutput}). {@code logprobs[t]} maps token ids (as strings) to
 * {@code {logprob, rank, decoded_token}}: vLLM puts the top-k there plus the sampled token if it ranks
 * below k, so a step has k or k + 1 candidates, all passed on in payload order; the sampled token's
 * entry (key {@code token_ids[t]}) gives {@code logprob}.
 *
 * <p>vLLM includes the EOS token in {@code token_ids} and its logprobs when it stopped on it: that step is
 * emitted like the others and N counts it. The finish reason is the object's {@code finish_reason}
 * when present, else {@code stop} when the last token is one of {@code eosTokenIds}, else none (the
 * triple does not say why generation ended). Which logprobs these are (raw model distribution, or the
 * processed sampling distribution with {@code --logprobs-mode processed_logprobs}) is not visible in the
 * output.
 *
 * <p>Rollout index = position of the output in the array. Outputs are usually of different prompts; pass a
 * context per output with {@link #adaptOutput} when prompt ids matter.
 */
public final class VllmOutputAdapter {

    private VllmOutputAdapter() {
    }

    /** Every output of the array, all under {@code ctx}. */
    public static void adaptOutputs(byte[] json, RolloutContext ctx, Set<Integer> eosTokenIds, TokenEventSink sink) {
        JsonNode root = Json.read(json);
        ChoiceRollouts rollouts = new ChoiceRollouts(ctx, sink);
        if (root == null || !root.isArray()) {
            rollouts.stop(Rejection.Reason.MALFORMED_PAYLOAD);
            return;
        }
        for (int i = 0; i < root.size(); i++) {
            RolloutEmitter emitter = rollouts.choice(i);
            if (emitter != null) {
                output(root.get(i), eosTokenIds, emitter);
            }
        }
    }

    /** One output (an element of the array) as the rollout {@code rolloutId}. */
    public static void adaptOutput(JsonNode output, RolloutContext ctx, String rolloutId, Set<Integer> eosTokenIds,
                                   TokenEventSink sink) {
        output(output, eosTokenIds, new RolloutEmitter(ctx, rolloutId, sink));
    }

    private static void output(JsonNode out, Set<Integer> eos, RolloutEmitter emitter) {
        JsonNode ids;
        JsonNode logprobs;
        String finish = null;
        if (out.isArray() && out.size() >= 3) {
            ids = out.get(0);
            logprobs = out.get(2);
        } else if (out.isObject()) {
            ids = out.get("token_ids");
            logprobs = out.get("logprobs");
            finish = FinishReasons.normalise(Json.text(out.get("finish_reason")));
        } else {
            emitter.poison(Rejection.Reason.MALFORMED_PAYLOAD);
            return;
        }
        if (ids == null || !ids.isArray()) {
            emitter.poison(Rejection.Reason.MALFORMED_PAYLOAD);
            return;
        }
        if (logprobs == null || !logprobs.isArray()) {
            if (ids.size() > 0) {
                emitter.poison(Rejection.Reason.NO_LOGPROBS);
            }
            emitter.finish(finish);
            return;
        }
        for (int t = 0; t < ids.size(); t++) {
            JsonNode dict = t < logprobs.size() ? logprobs.get(t) : null;
            String sampled = ids.get(t).asText();
            if (dict == null || !dict.isObject()) {
                emitter.step(TokenStep.of(null, null, null));
                continue;
            }
            double[] top = new double[dict.size()];
            Double logprob = null;
            String text = null;
            int j = 0;
            for (Map.Entry<String, JsonNode> e : dict.properties()) {
                Double v = Json.number(e.getValue().get("logprob"));
                top[j++] = v == null ? Double.NaN : v;
                if (e.getKey().equals(sampled)) {
                    logprob = v;
                    text = Json.text(e.getValue().get("decoded_token"));
                }
            }
            emitter.step(TokenStep.of(logprob, top, text));
        }
        if (finish == null && ids.size() > 0 && ids.get(ids.size() - 1).canConvertToInt()
                && eos.contains(ids.get(ids.size() - 1).intValue())) {
            finish = "stop";
        }
        emitter.finish(finish);
    }
}
