package dev.canopy.connectors.events;

import java.util.Locale;

/** Where the proxy and the prober take rollout id bases from (the id is base + ":" + choice index). */
public enum RolloutIdSource {
    /**
     * The server's response id ({@code chatcmpl-...}), made unique among recent responses by a
     * {@link RolloutIdGuard}; a random {@code canopy-<uuid>} when the response has none. Traceable to
     * the server's logs.
     */
    RESPONSE,
    /** Always a random {@code canopy-<uuid>}: for servers with weak ids (Ollama's /v1) behind several proxies. */
    GENERATED;

    /** Parses {@code response} or {@code generated} (case-insensitive). */
    public static RolloutIdSource parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException("rollout id source must be 'response' or 'generated', got '" + s + "'");
        }
    }
}
