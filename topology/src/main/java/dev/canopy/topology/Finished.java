package dev.canopy.topology;

import dev.canopy.core.assembly.CompletedRollout;

/** A rollout leaving assembly, with its text when semantic diversity is on (else null). */
record Finished(CompletedRollout rollout, String text) {
}
