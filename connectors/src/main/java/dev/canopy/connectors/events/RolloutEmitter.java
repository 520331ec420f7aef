package dev.canopy.connectors.events;

/**
 * Turns one rollout's tokens, as a server reports them one after another, into contract-v1 records.
 *
 * <p><b>Positions</b> are the tokens' 0-based indexes in the generated sequence, counting every token
 * the server reported, including rejected ones: a rejected step leaves a gap rather than shifting
 * later tokens, so the monitor never measures a wrong N; it counts the rollout as abandoned instead.
 *
 * <p><b>The final flag.</b> Contract v1 puts {@code final} on the record holding the last token, but a
 * streaming server only says that generation ended (finish reason) after the last token arrived. So the
 * emitter holds back one step: step t is published when step t+1 or the finish arrives. A rollout that
 * ends without a finish ({@link #abandon()}: the stream broke) publishes its held step without
 * {@code final}; the monitor will expire it as abandoned. If the last token itself was rejected, the
 * held step is published without {@code final} (it is not the last token).
 *
 * <p><b>EOS.</b> Whether the end-of-sequence token is a step is the server's business: when it reports
 * the EOS token with its logprobs (vLLM engine output, TGI), it is an ordinary step and gets
 * {@code final}; when it does not (OpenAI's stop chunk has {@code logprobs: null}), the last text token
 * gets {@code final}, and N is one less than the sampled sequence.
 *
 * <p>Not thread-safe; one emitter per rollout, driven by one thread.
 */
public final class RolloutEmitter {

    private final RolloutContext ctx;
    private final String rolloutId;
    private final TokenEventSink sink;
    private int nextPosition;
    private TokenEvent held;
    private boolean closed;
    private boolean poisoned;
    private int published;

    public RolloutEmitter(RolloutContext ctx, String rolloutId, TokenEventSink sink) {
        this.ctx = ctx;
        this.rolloutId = rolloutId;
        this.sink = sink;
    }

    public String rolloutId() {
        return rolloutId;
    }

    /** Records published so far. */
    public int published() {
        return published;
    }

    /** Tokens reported so far (accepted or rejected): the next token's position. */
    public int tokens() {
        return nextPosition;
    }

    public boolean isClosed() {
        return closed;
    }

    /** The next generated token. Ignored after {@link #poison} or once closed. */
    public void step(TokenStep step) {
        int position = nextPosition++;
        if (closed || poisoned) {
            return;
        }
        long now = ctx.now();
        StepValidator.Outcome v = StepValidator.validate(step);
        if (v.isRejected()) {
            sink.reject(new Rejection(rolloutId, position, v.rejected()));
            flushHeld();
            return;
        }
        flushHeld();
        held = new TokenEvent(rolloutId, position, v.logprob(), v.topLogprobs(), v.entropy(),
                ctx.includeText() ? step.text() : null, now, false, null);
    }

    /**
     * The next generated token is unusable for {@code reason} (an adapter found the payload's value
     * invalid before making a {@link TokenStep} of it). Takes a position like {@link #step}.
     */
    public void rejectStep(Rejection.Reason reason) {
        int position = nextPosition++;
        if (closed || poisoned) {
            return;
        }
        sink.reject(new Rejection(rolloutId, position, reason));
        flushHeld();
    }

    /**
     * Generation ended with {@code finishReason} (normalised by the caller; may be null when the server
     * gives none): publishes the last token with {@code final}. A rollout without any token is rejected
     * as {@link Rejection.Reason#EMPTY_ROLLOUT}. Idempotent.
     */
    public void finish(String finishReason) {
        if (closed) {
            return;
        }
        closed = true;
        if (poisoned) {
            return;
        }
        if (nextPosition == 0) {
            sink.reject(new Rejection(rolloutId, -1, Rejection.Reason.EMPTY_ROLLOUT));
            return;
        }
        if (held != null && held.position() == nextPosition - 1) {
            publish(held.asFinal(finishReason));
            held = null;
        } else {
            flushHeld();
        }
    }

    /** The response ended without a finish for this rollout: publishes what is held, without {@code final}. Idempotent. */
    public void abandon() {
        if (closed) {
            return;
        }
        closed = true;
        flushHeld();
    }

    /**
     * The rest of this rollout cannot be trusted (the server stopped sending logprobs, a chunk was
     * unreadable, the server reported an error): records the rejection once, publishes what is held
     * without {@code final} and ignores everything that follows.
     */
    public void poison(Rejection.Reason reason) {
        if (closed || poisoned) {
            return;
        }
        poisoned = true;
        sink.reject(new Rejection(rolloutId, -1, reason));
        flushHeld();
    }

    private void flushHeld() {
        if (held != null) {
            publish(held);
            held = null;
        }
    }

    private void publish(TokenEvent e) {
        sink.publish(rolloutId, e.toRecord(ctx));
        published++;
    }
}
