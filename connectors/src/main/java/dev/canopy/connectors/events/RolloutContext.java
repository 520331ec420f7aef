package dev.canopy.connectors.events;

import java.util.Objects;
import java.util.UUID;
import java.util.function.LongSupplier;

/**
 * What the events of one server response are labelled with: the deployed model and release (the
 * monitoring key), the prompt id (null for production traffic), and the base of the rollout ids.
 *
 * <p>Rollout ids are {@code rolloutIdBase + ":" + choiceIndex}. A null base means "take it from the
 * response": the OpenAI-compatible adapter uses the response's {@code id}; formats without a response
 * id (TGI, llama.cpp, Ollama native, vLLM engine output, GLTR) and responses without one get a random
 * {@code canopy-<uuid>} base. Callers that need ids to be unique across servers whose ids are weak
 * (Ollama's {@code /v1} ids take 999 values) pass their own base.
 *
 * @param model         deployed model name, non-empty
 * @param release       release name, non-empty
 * @param promptId      prompt id, or null (an empty string is treated as null)
 * @param rolloutIdBase base of the rollout ids, or null (see above)
 * @param includeText   write the decoded token text ({@code text}) into the events; it is prompt-derived
 *                      data, so off unless semantic diversity is wanted
 * @param clock         if not null, the epoch-ms clock read when a token is received, written as the
 *                      event's {@code timestamp}; if null, no timestamp (Kafka's record time applies)
 * @param idGuard       if not null, every resolved base passes through it, so that recently used bases
 *                      are not reused (see {@link RolloutIdGuard})
 */
public record RolloutContext(String model, String release, String promptId, String rolloutIdBase,
                             boolean includeText, LongSupplier clock, RolloutIdGuard idGuard) {

    public RolloutContext {
        requireNonEmpty(model, "model");
        requireNonEmpty(release, "release");
        if (promptId != null && promptId.isEmpty()) {
            promptId = null;
        }
        if (rolloutIdBase != null && rolloutIdBase.isEmpty()) {
            throw new IllegalArgumentException("rolloutIdBase must be null or non-empty");
        }
    }

    /** A context without text and without timestamps. */
    public static RolloutContext of(String model, String release, String promptId, String rolloutIdBase) {
        return new RolloutContext(model, release, promptId, rolloutIdBase, false, null, null);
    }

    public RolloutContext withRolloutIdBase(String base) {
        return new RolloutContext(model, release, promptId, base, includeText, clock, idGuard);
    }

    public RolloutContext withPromptId(String id) {
        return new RolloutContext(model, release, id, rolloutIdBase, includeText, clock, idGuard);
    }

    public RolloutContext withText(boolean text) {
        return new RolloutContext(model, release, promptId, rolloutIdBase, text, clock, idGuard);
    }

    public RolloutContext withClock(LongSupplier c) {
        return new RolloutContext(model, release, promptId, rolloutIdBase, includeText, c, idGuard);
    }

    public RolloutContext withIdGuard(RolloutIdGuard guard) {
        return new RolloutContext(model, release, promptId, rolloutIdBase, includeText, clock, guard);
    }

    /**
     * The rollout id base to use given the server's response id (may be null): ours, else theirs, else
     * random; then made unique by the guard, if any. Call once per response.
     */
    public String resolveBase(String responseId) {
        String base;
        if (rolloutIdBase != null) {
            base = rolloutIdBase;
        } else if (responseId != null && !responseId.isEmpty()) {
            base = responseId;
        } else {
            base = randomBase();
        }
        return idGuard == null ? base : idGuard.unique(base);
    }

    /** A fresh {@code canopy-<uuid>} base. */
    public static String randomBase() {
        return "canopy-" + UUID.randomUUID();
    }

    /** The rollout id of choice {@code index} under {@code base}. */
    public static String rolloutId(String base, int index) {
        return base + ":" + index;
    }

    long now() {
        return clock == null ? -1 : clock.getAsLong();
    }

    private static void requireNonEmpty(String value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isEmpty()) {
            throw new IllegalArgumentException(name + " must not be empty");
        }
    }
}
