package dev.canopy.topology;

import java.util.List;

/**
 * The monitor's topics, named once.
 *
 * @param tokens   input: token events (contract v1), keyed by rollout_id
 * @param deadLetter rejected records: original key and bytes, reason and source in headers
 * @param rollouts completed rollouts as JSON, keyed by rollout_id
 * @param metrics  cumulative and windowed metrics per model and release, as JSON, keyed "model@release"
 */
public record Topics(String tokens, String deadLetter, String rollouts, String metrics) {

    public static Topics defaults() {
        return new Topics("canopy.tokens", "canopy.dlq", "canopy.rollouts", "canopy.metrics");
    }

    public List<String> all() {
        return List.of(tokens, deadLetter, rollouts, metrics);
    }
}
