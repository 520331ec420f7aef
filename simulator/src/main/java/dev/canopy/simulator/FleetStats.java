package dev.canopy.simulator;

/**
 * Counters of what a {@link SimulatedFleet.Cursor} has emitted so far. Record counters count records handed
 * to the sink; rollout counters count rollouts sampled (a started rollout may still have records in the
 * shuffle window).
 *
 * @param records           all records emitted
 * @param tokenRecords      valid per-token records emitted, duplicates included
 * @param chunkRecords      valid chunk records emitted, duplicates included
 * @param duplicates        valid records emitted a second time (producer retries), a subset of the two above
 * @param malformed         contract-violating records emitted ({@link Malformation})
 * @param nullKeys          records emitted with a null key
 * @param rolloutsStarted   rollouts sampled
 * @param rolloutsCompleted rollouts whose final record has been emitted (with shuffling, some earlier
 *                          positions may still be in the window)
 * @param tokens            positions covered by emitted valid records, duplicates not counted again
 */
public record FleetStats(long records, long tokenRecords, long chunkRecords, long duplicates, long malformed,
                         long nullKeys, long rolloutsStarted, long rolloutsCompleted, long tokens) {

    /** malformed / records, or 0 when nothing was emitted. */
    public double malformedShare() {
        return records == 0 ? 0.0 : (double) malformed / records;
    }
}
