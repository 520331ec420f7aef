package dev.canopy.connectors.adapters;

import com.fasterxml.jackson.databind.JsonNode;
import dev.canopy.connectors.events.Rejection;
import dev.canopy.connectors.events.RolloutContext;
import dev.canopy.connectors.events.RolloutEmitter;
import dev.canopy.connectors.events.TokenEventSink;
import dev.canopy.connectors.events.TokenStep;

/**
 * GLTR ({@code /api/analyze} of HendrikStrobelt/detecting-fake-text): a text scored token by token by a
 * language model, {@code result.pred_topk[t]} = the top-k {@code [token, probability]} at step t and
 * {@code result.real_topk[t]} = {@code [rank, probability]} of the token that is actually there,
 * {@code result.bpe_strings} = the tokens (the first is the context token). Probabilities are rounded
 * (to 5 decimals in GLTR's demo data): a 0 is below that resolution (see {@link Probabilities}).
 *
 * <p>This is scoring of a given text, not sampling: the events describe the model's uncertainty along
 * that text, with no finish reason (the last step is {@code final} without one).
 */
public final class GltrAdapter {

    private GltrAdapter() {
    }

    public static void adapt(byte[] json, RolloutContext ctx, TokenEventSink sink) {
        JsonNode root = Json.read(json);
        JsonNode result = root == null ? null : root.get("result");
        RolloutEmitter emitter = new RolloutEmitter(ctx, RolloutContext.rolloutId(ctx.resolveBase(null), 0), sink);
        if (result == null || !result.path("pred_topk").isArray()) {
            emitter.poison(Rejection.Reason.MALFORMED_PAYLOAD);
            return;
        }
        JsonNode pred = result.get("pred_topk");
        JsonNode real = result.get("real_topk");
        JsonNode bpe = result.get("bpe_strings");
        for (int t = 0; t < pred.size(); t++) {
            JsonNode cands = pred.get(t);
            double[] top = null;
            if (cands != null && cands.isArray()) {
                top = new double[cands.size()];
                for (int j = 0; j < top.length; j++) {
                    Double p = Json.number(cands.get(j).get(1));
                    if (p == null || !Probabilities.valid(p)) {
                        top = null;
                        break;
                    }
                    top[j] = Probabilities.log(p);
                }
                if (top == null) {
                    emitter.rejectStep(Rejection.Reason.INVALID_PROBABILITY);
                    continue;
                }
            }
            Double logprob = null;
            JsonNode r = real != null && t < real.size() ? real.get(t) : null;
            if (r != null && r.isArray() && r.size() >= 2) {
                Double p = Json.number(r.get(1));
                if (p != null && !Probabilities.valid(p)) {
                    emitter.rejectStep(Rejection.Reason.INVALID_PROBABILITY);
                    continue;
                }
                logprob = p != null && p > 0 ? Probabilities.log(p) : null;
            }
            String text = bpe != null && t + 1 < bpe.size() ? Json.text(bpe.get(t + 1)) : null;
            emitter.step(TokenStep.of(logprob, top, text));
        }
        emitter.finish(null);
    }
}
