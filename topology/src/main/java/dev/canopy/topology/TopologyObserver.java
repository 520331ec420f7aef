package dev.canopy.topology;

/**
 * What the topology tells the outside world as it works (metrics, logs), without depending on any
 * metrics library. Calls come from stream threads: implementations must be thread-safe and cheap.
 * Counts here are operational (they restart at zero with the process and may repeat records that
 * exactly-once processing re-reads after a crash); the report's counts come from the state stores.
 */
public interface TopologyObserver {

    TopologyObserver NONE = new TopologyObserver() {
    };

    /** A record was read from the input topic. */
    default void eventRead() {
    }

    /** A record was sent to the dead-letter topic. */
    default void eventRejected(String reason) {
    }

    /** A rollout was measured; {@code lagMillis} runs from its final event's time to now. */
    default void rolloutMeasured(String model, String release, long lagMillis) {
    }

    /** A rollout expired without completing. */
    default void rolloutAbandoned(String model, String release) {
    }

    /**
     * The aggregate emitted: every changed release's metrics and windows computed, in this many seconds. Emits
     * take at most a tenth of the stream thread's time, so this also says how fresh the emitted metrics are.
     */
    default void metricsEmitted(double seconds) {
    }

    /** A completed rollout's text was embedded for semantic diversity, in this many seconds. */
    default void rolloutEmbedded(double seconds) {
    }

    /** The number of rollouts waiting for the embedding budget in one stream task's semantic backlog. */
    default void semanticBacklog(String taskId, long rollouts) {
    }

    /** The number of rollouts in flight in one stream task's store. */
    default void inFlight(String taskId, long rollouts) {
    }
}
