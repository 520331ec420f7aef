package dev.canopy.core.config;

/**
 * The sections of the configuration reference, in the order it lists them. Every {@link ConfigKey}
 * belongs to exactly one group.
 */
public enum ConfigGroup {
    INSTANCE("Instance", "Where this monitor instance connects, listens and keeps its state."),
    TOPICS("Topics", "The topics the monitor reads and writes, and how it creates missing ones."),
    ROLLOUTS_AND_WINDOWS("Rollouts and windows", "When a rollout is complete or abandoned, and the rolling windows of metrics."),
    SHIFT("Release shift detector", "The anytime-valid comparison of a release with its baseline."),
    SEMANTIC("Semantic diversity", "Embedding of generated text (off by default: it keeps generated text in flight)."),
    STATISTICS("Statistics and input limits", "Bounds on the state kept per release and on the events accepted."),
    METRICS("Prometheus metrics", "What /metrics exports."),
    STREAMS("Kafka Streams", "How this instance runs its share of the topology.");

    private final String title;
    private final String summary;

    ConfigGroup(String title, String summary) {
        this.title = title;
        this.summary = summary;
    }

    /** The section heading. */
    public String title() {
        return title;
    }

    /** One sentence under the heading: what the keys of the group are about. */
    public String summary() {
        return summary;
    }
}
