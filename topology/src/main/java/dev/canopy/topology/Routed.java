package dev.canopy.topology;

import dev.canopy.core.events.ParseResult;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** A validated input record: the original bytes with either the accepted record or the rejection. */
record Routed(byte[] raw, ParseResult result) {

    boolean rejected() {
        return !result.isAccepted();
    }

    /** True when the record's Kafka key is not its rollout_id, so it must be re-partitioned by rollout. */
    boolean needsRekey(byte[] key) {
        return key == null || !Arrays.equals(key, rolloutKey());
    }

    byte[] rolloutKey() {
        return result.record().rolloutId().getBytes(StandardCharsets.UTF_8);
    }
}
