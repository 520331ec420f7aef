package dev.canopy.connectors.events;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Keeps rollout id bases unique among the recent responses of one process. The monitor merges all
 * records with the same rollout id while that rollout is in flight (first position wins), so two
 * responses with the same id would corrupt each other. Some servers' ids are weak: Ollama's
 * OpenAI-compatible endpoint draws {@code chatcmpl-<0..998>}, and replayed or normalised recordings
 * reuse ids. A base seen among the last {@code capacity} bases gets a suffix {@code ~<8 hex>}, which
 * keeps it traceable to the server's id.
 *
 * <p>Only this process's recent bases are known: several proxy instances in front of a weak-id server
 * should use generated ids instead. Thread-safe.
 */
public final class RolloutIdGuard {

    private final Map<String, Boolean> recent;
    private long renamed;

    /** @param capacity how many recent bases to remember (about 100 bytes each) */
    public RolloutIdGuard(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be positive");
        }
        this.recent = new LinkedHashMap<>(Math.min(capacity, 1 << 16), 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                return size() > capacity;
            }
        };
    }

    /** {@code base} if not seen recently, else {@code base~xxxxxxxx}; remembers the result. */
    public synchronized String unique(String base) {
        String b = base;
        while (recent.containsKey(b)) {
            b = base + "~" + String.format("%08x", ThreadLocalRandom.current().nextInt());
            renamed++;
        }
        recent.put(b, Boolean.TRUE);
        return b;
    }

    /** How many bases were given a suffix. */
    public synchronized long renamed() {
        return renamed;
    }
}
