package dev.canopy.monitor.metrics;

import java.util.List;

/**
 * Every Prometheus series Canopy exports, named once. Dashboards, alert rules and the README's metrics
 * section are checked against this list, so a metric that is not here does not exist.
 *
 * <p>Labels: {@code model} and {@code release} identify a deployed model and its fine-tuning release;
 * {@code window} is {@code cumulative} (everything since the release was first seen) or {@code rolling}
 * (the most recent rolling window, by rollout completion time); {@code scope} is {@code prompt-pooled}
 * (per-prompt coefficients pooled across prompts, the paper's estimator) or {@code all-rollouts};
 * {@code method} is {@code pearson}, {@code spearman} or {@code kendall}.
 */
public enum MetricCatalogue {
    // --- what the paper measures, per model and release ---
    CE_STAR("canopy_ce_star_nats", Type.GAUGE, "Canopy entropy CE* = H(N, Y|X): mean over prompts of the mean summed step entropy of a rollout, in nats.", "model", "release", "window"),
    CE_STAR_UPPER("canopy_ce_star_upper_nats", Type.GAUGE, "Upper bound on CE* allowed by the probability mass missing from top-k logprobs, in nats.", "model", "release", "window"),
    GEN_PPL("canopy_generation_perplexity", Type.GAUGE, "Generation perplexity exp(CE* / mean length).", "model", "release", "window"),
    BRANCHING_FACTOR("canopy_branching_factor", Type.GAUGE, "Branching factor exp(mean entropy rate).", "model", "release", "window"),
    MEAN_LENGTH("canopy_mean_length_tokens", Type.GAUGE, "Mean rollout length N in tokens (EOS included when the server reports it).", "model", "release", "window"),
    MEAN_ENTROPY_RATE("canopy_mean_entropy_rate_nats", Type.GAUGE, "Mean per-token entropy rate r = H/N, in nats per token.", "model", "release", "window"),
    CORRELATION("canopy_length_entropy_rate_correlation", Type.GAUGE, "Correlation rho(N, r_N) between rollout length and entropy rate.", "model", "release", "window", "scope", "method"),
    CORRELATION_LOWER("canopy_length_entropy_rate_correlation_lower", Type.GAUGE, "Lower end of the 95% Fisher-z interval of the Pearson rho(N, r_N).", "model", "release", "window", "scope"),
    CORRELATION_UPPER("canopy_length_entropy_rate_correlation_upper", Type.GAUGE, "Upper end of the 95% Fisher-z interval of the Pearson rho(N, r_N).", "model", "release", "window", "scope"),
    COVARIANCE("canopy_length_entropy_rate_covariance", Type.GAUGE, "Sample covariance of length and entropy rate (tokens x nats per token).", "model", "release", "window", "scope"),
    LENGTH_DRIVEN("canopy_ce_star_length_driven_nats", Type.GAUGE, "Decomposition of CE*: mean length x mean entropy rate, in nats.", "model", "release", "window"),
    COUPLING("canopy_ce_star_coupling_nats", Type.GAUGE, "Decomposition of CE*: CE* minus the length-driven part, due to length and rate moving together, in nats.", "model", "release", "window"),
    TRUNCATION("canopy_truncation_ratio", Type.GAUGE, "Share of rollouts that stopped at the token limit (finish_reason length).", "model", "release", "window"),
    WINDOW_ROLLOUTS("canopy_window_rollouts", Type.GAUGE, "Rollouts measured in the window.", "model", "release", "window"),
    PROMPTS("canopy_prompt_groups", Type.GAUGE, "Prompt groups tracked for the release (one group for traffic without prompt ids).", "model", "release"),
    ROLLOUTS("canopy_rollouts_total", Type.COUNTER, "Completed rollouts measured.", "model", "release"),
    TOKENS("canopy_tokens_total", Type.COUNTER, "Generated tokens in measured rollouts (sum of N).", "model", "release"),
    STEPS_BY_ESTIMATOR("canopy_steps_total", Type.COUNTER, "Measured steps by the estimator their entropy came from (exact, topk, surprisal).", "model", "release", "estimator"),
    ABANDONED("canopy_rollouts_abandoned_total", Type.COUNTER, "Rollouts that never completed and expired after the idle timeout.", "model", "release"),
    RELEASE_INFO("canopy_release_info", Type.GAUGE, "1 for every tracked release; baseline is the release it is compared with (empty for a model's first).", "model", "release", "baseline"),
    RELEASE_FIRST_SEEN("canopy_release_first_seen_timestamp_seconds", Type.GAUGE, "When the release was first seen (or announced), Unix time.", "model", "release"),

    // --- semantic diversity (canopy.semantic.enabled), cumulative per model and release ---
    SEMANTIC_DIVERSITY("canopy_semantic_diversity", Type.GAUGE, "Semantic diversity: mean over prompts of the mean rollout diversity d_i = 1 - mean cosine similarity to the prompt's other rollouts.", "model", "release"),
    SEMANTIC_VENDI("canopy_semantic_vendi_score", Type.GAUGE, "Vendi score (effective number of distinct answers per prompt), mean over prompts.", "model", "release"),
    SEMANTIC_RATE_CORRELATION("canopy_semantic_diversity_entropy_rate_correlation", Type.GAUGE, "Correlation of rollout diversity d_i with entropy rate, pooled over prompts like rho (the paper's second finding).", "model", "release", "method"),
    SEMANTIC_LENGTH_CORRELATION("canopy_semantic_diversity_length_correlation", Type.GAUGE, "Correlation of rollout diversity d_i with length, pooled over prompts.", "model", "release", "method"),
    SEMANTIC_PROMPTS("canopy_semantic_prompts", Type.GAUGE, "Prompts with at least two embedded rollouts (the ones semantic diversity is measured on).", "model", "release"),
    SEMANTIC_ROLLOUTS("canopy_semantic_rollouts_total", Type.COUNTER, "Completed rollouts seen by the semantic stage, by outcome (embedded, not_sampled, over_budget, without_text); over_budget: dropped because the embedding backlog was full. Rollouts waiting for the budget are counted once embedded or displaced.", "model", "release", "outcome"),
    EMBEDDING_SECONDS("canopy_semantic_embedding_seconds", Type.HISTOGRAM, "Time to embed one rollout's text on the stream thread."),
    SEMANTIC_BACKLOG("canopy_semantic_backlog_rollouts", Type.GAUGE, "Rollouts the semantic sample keeps that wait for the embedding budget, over this instance's tasks (at most canopy.semantic.backlog a task)."),

    // --- release shift detection ---
    SHIFT_STATUS("canopy_shift_status", Type.GAUGE, "1 for the shift detector's current verdict on a metric of a model's current release against its baseline (status: insufficient_data, no_evidence, shift).", "model", "baseline", "candidate", "metric", "status"),
    SHIFT_EFFECT("canopy_shift_effect", Type.GAUGE, "Candidate minus baseline value of the compared metric, on the metric's own scale.", "model", "baseline", "candidate", "metric"),
    SHIFT_EFFECT_LOWER("canopy_shift_effect_lower", Type.GAUGE, "Lower end of the always-valid interval of the effect.", "model", "baseline", "candidate", "metric"),
    SHIFT_EFFECT_UPPER("canopy_shift_effect_upper", Type.GAUGE, "Upper end of the always-valid interval of the effect.", "model", "baseline", "candidate", "metric"),

    // --- pipeline health ---
    EVENTS("canopy_events_total", Type.COUNTER, "Token event records read from the input topic."),
    REJECTED("canopy_events_rejected_total", Type.COUNTER, "Records sent to the dead-letter topic, by reason code.", "reason"),
    IN_FLIGHT("canopy_rollouts_in_flight", Type.GAUGE, "Rollouts being assembled (some tokens seen, not complete yet)."),
    EMIT_SECONDS("canopy_aggregate_emit_seconds", Type.HISTOGRAM, "Time of one emit of the aggregate: every changed release's metrics and windows computed. Emits take at most a tenth of the stream thread's time: after one that took t the next waits 9t, so above 0.55 s the metrics are emitted less often than every 5 s."),
    LAG("canopy_event_to_metric_lag_seconds", Type.HISTOGRAM, "Time from a rollout's final event to its effect on the aggregates."),
    STREAMS_STATE("canopy_streams_state", Type.GAUGE, "1 for the current Kafka Streams state of this instance.", "state"),
    STREAM_THREAD_FAILURES("canopy_stream_thread_failures_total", Type.COUNTER, "Stream threads of this instance that failed; each is replaced, and more than 5 within 10 minutes stop the monitor."),
    TRACKED_GROUPS("canopy_tracked_releases", Type.GAUGE, "Model x release pairs with exported series."),
    GROUPS_OVERFLOW("canopy_tracked_releases_overflow_total", Type.COUNTER, "Model x release pairs not exported because the cardinality cap was reached.");

    /** Prometheus metric type. */
    public enum Type { GAUGE, COUNTER, HISTOGRAM }

    private final String metricName;
    private final Type type;
    private final String help;
    private final List<String> labels;

    MetricCatalogue(String metricName, Type type, String help, String... labels) {
        this.metricName = metricName;
        this.type = type;
        this.help = help;
        this.labels = List.of(labels);
    }

    /** The exposition name; counters carry the {@code _total} suffix here, as scraped. */
    public String metricName() {
        return metricName;
    }

    public Type type() {
        return type;
    }

    public String help() {
        return help;
    }

    public List<String> labels() {
        return labels;
    }

    /** Names as they appear on the wire (a histogram adds _bucket, _count and _sum). */
    public List<String> exposedNames() {
        if (type == Type.HISTOGRAM) {
            return List.of(metricName + "_bucket", metricName + "_count", metricName + "_sum");
        }
        return List.of(metricName);
    }
}
