package dev.canopy.connectors.adapters;

import dev.canopy.connectors.events.Rejection;
import dev.canopy.connectors.events.RolloutContext;
import dev.canopy.connectors.events.RolloutEmitter;
import dev.canopy.connectors.events.TokenEventSink;

import java.util.Map;
import java.util.TreeMap;

/**
 * The rollouts of one response, one per choice index, all under one rollout id base (resolved once,
 * from the first payload that carries a response id, or at the first choice).
 */
final class ChoiceRollouts {

    private final RolloutContext ctx;
    private final TokenEventSink sink;
    private final Map<Integer, RolloutEmitter> byIndex = new TreeMap<>();
    private String base;
    private String responseId;
    private boolean stopped;

    ChoiceRollouts(RolloutContext ctx, TokenEventSink sink) {
        this.ctx = ctx;
        this.sink = sink;
    }

    /** Offers the server's response id; the first non-empty one seen before any choice wins. */
    void responseId(String id) {
        if (responseId == null && id != null && !id.isEmpty()) {
            responseId = id;
        }
    }

    /** The emitter of choice {@code index}, created on first use; null once the response is stopped. */
    RolloutEmitter choice(int index) {
        if (stopped) {
            return null;
        }
        if (base == null) {
            base = ctx.resolveBase(responseId);
        }
        return byIndex.computeIfAbsent(index, i -> new RolloutEmitter(ctx, RolloutContext.rolloutId(base, i), sink));
    }

    boolean stopped() {
        return stopped;
    }

    /** Something went wrong for the whole response: every open rollout is poisoned, later payloads are ignored. */
    void stop(Rejection.Reason reason) {
        if (stopped) {
            return;
        }
        stopped = true;
        boolean any = false;
        for (RolloutEmitter e : byIndex.values()) {
            if (!e.isClosed()) {
                e.poison(reason);
                e.abandon();
                any = true;
            }
        }
        if (!any) {
            sink.reject(new Rejection(null, -1, reason));
        }
    }

    /** Non-streamed end: every rollout not finished yet is finished without a finish reason. */
    void finishOpen() {
        for (RolloutEmitter e : byIndex.values()) {
            e.finish(null);
        }
    }

    /** Streamed end: every rollout not finished yet is published without {@code final}. */
    void abandonOpen() {
        for (RolloutEmitter e : byIndex.values()) {
            e.abandon();
        }
    }

    int rollouts() {
        return byIndex.size();
    }
}
