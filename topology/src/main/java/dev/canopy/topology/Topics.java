package dev.canopy.topology;

import dev.canopy.core.config.CanopyConfig;

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

    /** The default names (the topic keys' defaults in {@link CanopyConfig}). */
    public static Topics defaults() {
        return new Topics(CanopyConfig.TOPIC_TOKENS.defaultValue(), CanopyConfig.TOPIC_DLQ.defaultValue(),
                CanopyConfig.TOPIC_ROLLOUTS.defaultValue(), CanopyConfig.TOPIC_METRICS.defaultValue(),
                CanopyConfig.TOPIC_RELEASES.defaultValue(), CanopyConfig.TOPIC_ALERTS.defaultValue());
    }

    public List<String> all() {
        return List.of(tokens, deadLetter, rollouts, metrics, releases, alerts);
    }
}
