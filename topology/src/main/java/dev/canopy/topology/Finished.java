package dev.canopy.topology;

import dev.canopy.core.assembly.CompletedRollout;

/**
 * A rollout leaving assembly, with its text when semantic diversity is on (else null); or, with
 * {@code deadLetter} set and no rollout, a record that assembly rejected (its original bytes).
 */
record Finished(CompletedRollout rollout, String text, byte[] deadLetter) {

    Finished(CompletedRollout rollout, String text) {
        this(rollout, text, null);
    }

    /** A record rejected at assembly, for the dead-letter topic. */
    static Finished rejected(byte[] raw) {
        return new Finished(null, null, raw);
    }

    boolean isRejected() {
        return deadLetter != null;
    }
}
