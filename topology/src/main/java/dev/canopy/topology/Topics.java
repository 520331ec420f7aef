package dev.canopy.topology;

import java.util.List;

/**
 * The monitor's topics, named once.
 *
 * @param tokens   input: token events (contract v1), keyed by rollout_id
 * @param deadLetter rejected records: original key and bytes, reason and source in headers
 * @param rollouts completed rollouts as JSON, keyed by rollout_id
 * @param metrics  cumulative and windowed metrics per model and release, as JSON, keyed "model@release"
 * @param releases compacted: one record per model and release (announced, or inferred at first sight), keyed "model@release"
 * @param alerts   shift detector verdicts when they change, keyed "model@candidate"
 */
public record Topics(String tokens, String deadLetter, String rollouts, String metrics, String releases, String alerts) {

    public static Topics defaults() {
        return new Topics("canopy.tokens", "canopy.dlq", "canopy.rollouts", "canopy.metrics", "canopy.releases", "canopy.alerts");
    }

    public List<String> all() {
        return List.of(tokens, deadLetter, rollouts, metrics, releases, alerts);
    }
}
