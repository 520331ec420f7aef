package dev.canopy.monitor.metrics;

import dev.canopy.core.stats.Correlations;
import dev.canopy.core.stats.GroupKey;
import dev.canopy.core.stats.GroupMetrics;
import dev.canopy.semantic.SemanticCodec;
import dev.canopy.semantic.SemanticCounts;
import dev.canopy.semantic.SemanticMetrics;
import dev.canopy.topology.ShiftVerdict;
import dev.canopy.topology.TopologyObserver;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Exports every series of the {@link MetricCatalogue} to a Prometheus registry. The paper's metrics
 * are read, at scrape time, from the latest per-release snapshot that the monitor publishes with
 * {@link #publish}; a release absent from the newest snapshot (retired after the release TTL, or cut
 * by the cardinality cap) has no series any more. Pipeline counters are fed by the topology through
 * {@link TopologyObserver}.
 *
 * <p>Exposition example:
 * <pre>
 * canopy_ce_star_nats{model="llama-chat",release="ft-2",window="cumulative"} 41.7
 * canopy_length_entropy_rate_correlation{method="pearson",model="llama-chat",release="ft-2",scope="prompt-pooled",window="rolling"} 0.31
 * canopy_events_rejected_total{reason="invalid_logprob"} 3.0
 * </pre>
 */
public final class CanopyMetrics implements TopologyObserver {

    private static final Logger LOG = LoggerFactory.getLogger(CanopyMetrics.class);

    /** One exported value with its label values, in the catalogue's label order. */
    record Sample(double value, String... labels) {
    }

    private final int maxReleases;
    private final Duration releaseTtl;
    private final Supplier<Long> clock;
    private volatile Map<MetricCatalogue, List<Sample>> samples = new EnumMap<>(MetricCatalogue.class);
    private final Counter events;
    private final Counter rejected;
    private final Histogram lag;
    private final Histogram embedding;
    private final Counter overflow;
    private final Histogram emits;
    private final Counter threadFailures;
    private final Map<String, Long> inFlight = new ConcurrentHashMap<>();
    private final Map<String, Long> semanticBacklog = new ConcurrentHashMap<>();
    private final Set<GroupKey> overflowed = ConcurrentHashMap.newKeySet();
    private volatile String streamsState = "CREATED";
    private volatile int tracked;

    public CanopyMetrics(PrometheusRegistry registry, int maxReleases, Duration releaseTtl, Supplier<Long> clock) {
        this.maxReleases = maxReleases;
        this.releaseTtl = releaseTtl;
        this.clock = clock;
        for (MetricCatalogue m : MetricCatalogue.values()) {
            if (isSnapshotDriven(m)) {
                register(registry, m);
            }
        }
        events = Counter.builder().name(MetricCatalogue.EVENTS.metricName()).help(MetricCatalogue.EVENTS.help()).register(registry);
        rejected = Counter.builder().name(MetricCatalogue.REJECTED.metricName()).help(MetricCatalogue.REJECTED.help())
                .labelNames("reason").register(registry);
        for (dev.canopy.core.events.RejectReason r : dev.canopy.core.events.RejectReason.values()) {
            rejected.labelValues(r.code());
        }
        lag = Histogram.builder().name(MetricCatalogue.LAG.metricName()).help(MetricCatalogue.LAG.help())
                .classicOnly().classicUpperBounds(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300).register(registry);
        embedding = Histogram.builder().name(MetricCatalogue.EMBEDDING_SECONDS.metricName()).help(MetricCatalogue.EMBEDDING_SECONDS.help())
                .classicOnly().classicUpperBounds(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1).register(registry);
        emits = Histogram.builder().name(MetricCatalogue.EMIT_SECONDS.metricName()).help(MetricCatalogue.EMIT_SECONDS.help())
                .classicOnly().classicUpperBounds(0.01, 0.05, 0.1, 0.25, 0.55, 1, 2.5, 5, 10).register(registry);
        overflow = Counter.builder().name(MetricCatalogue.GROUPS_OVERFLOW.metricName()).help(MetricCatalogue.GROUPS_OVERFLOW.help())
                .register(registry);
        threadFailures = Counter.builder().name(MetricCatalogue.STREAM_THREAD_FAILURES.metricName())
                .help(MetricCatalogue.STREAM_THREAD_FAILURES.help()).register(registry);
        GaugeWithCallback.builder().name(MetricCatalogue.IN_FLIGHT.metricName()).help(MetricCatalogue.IN_FLIGHT.help())
                .callback(cb -> cb.call(inFlight.values().stream().mapToLong(Long::longValue).sum())).register(registry);
        GaugeWithCallback.builder().name(MetricCatalogue.SEMANTIC_BACKLOG.metricName()).help(MetricCatalogue.SEMANTIC_BACKLOG.help())
                .callback(cb -> cb.call(semanticBacklog.values().stream().mapToLong(Long::longValue).sum())).register(registry);
        GaugeWithCallback.builder().name(MetricCatalogue.STREAMS_STATE.metricName()).help(MetricCatalogue.STREAMS_STATE.help())
                .labelNames("state").callback(cb -> {
                    for (org.apache.kafka.streams.KafkaStreams.State s : org.apache.kafka.streams.KafkaStreams.State.values()) {
                        cb.call(s.name().equals(streamsState) ? 1 : 0, s.name());
                    }
                }).register(registry);
        GaugeWithCallback.builder().name(MetricCatalogue.TRACKED_GROUPS.metricName()).help(MetricCatalogue.TRACKED_GROUPS.help())
                .callback(cb -> cb.call(tracked)).register(registry);
    }

    private static boolean isSnapshotDriven(MetricCatalogue m) {
        return switch (m) {
            case EVENTS, REJECTED, LAG, EMIT_SECONDS, EMBEDDING_SECONDS, GROUPS_OVERFLOW, IN_FLIGHT, SEMANTIC_BACKLOG, STREAMS_STATE, STREAM_THREAD_FAILURES,
                 TRACKED_GROUPS -> false;
            default -> true;
        };
    }

    private void register(PrometheusRegistry registry, MetricCatalogue m) {
        String[] labels = m.labels().toArray(String[]::new);
        if (m.type() == MetricCatalogue.Type.COUNTER) {
            CounterWithCallback.builder().name(m.metricName()).help(m.help()).labelNames(labels)
                    .callback(cb -> samplesOf(m).forEach(s -> cb.call(s.value(), s.labels())))
                    .register(registry);
        } else {
            GaugeWithCallback.builder().name(m.metricName()).help(m.help()).labelNames(labels)
                    .callback(cb -> samplesOf(m).forEach(s -> cb.call(s.value(), s.labels())))
                    .register(registry);
        }
    }

    private volatile Map<MetricCatalogue, List<Sample>> shiftSamples = new EnumMap<>(MetricCatalogue.class);

    /** Replaces the exported shift detector verdicts. */
    public void publishShifts(List<ShiftVerdict> verdicts) {
        Map<MetricCatalogue, List<Sample>> next = new EnumMap<>(MetricCatalogue.class);
        for (ShiftVerdict v : verdicts) {
            for (String status : new String[] {"insufficient_data", "no_evidence", "shift"}) {
                put(next, MetricCatalogue.SHIFT_STATUS, status.equals(v.status()) ? 1 : 0, v.model(), v.baseline(), v.candidate(), v.metric(), status);
            }
            put(next, MetricCatalogue.SHIFT_EFFECT, v.effect(), v.model(), v.baseline(), v.candidate(), v.metric());
            put(next, MetricCatalogue.SHIFT_EFFECT_LOWER, v.low(), v.model(), v.baseline(), v.candidate(), v.metric());
            put(next, MetricCatalogue.SHIFT_EFFECT_UPPER, v.high(), v.model(), v.baseline(), v.candidate(), v.metric());
        }
        shiftSamples = next;
    }

    private List<Sample> samplesOf(MetricCatalogue m) {
        List<Sample> s = samples.get(m);
        if (s == null) {
            s = shiftSamples.get(m);
        }
        return s == null ? List.of() : s;
    }

    /**
     * Replaces the exported per-release values. Releases idle for longer than the TTL are retired;
     * beyond the cap, the most recently active releases are kept and the rest counted as overflow.
     */
    public void publish(List<ReleaseSnapshot> releases) {
        long now = clock.get();
        List<ReleaseSnapshot> live = new ArrayList<>();
        for (ReleaseSnapshot r : releases) {
            if (now - r.lastSeenMs() <= releaseTtl.toMillis() || r.lastSeenMs() == Long.MIN_VALUE) {
                live.add(r);
            }
        }
        live.sort(Comparator.comparingLong(ReleaseSnapshot::lastSeenMs).reversed());
        if (live.size() > maxReleases) {
            for (ReleaseSnapshot r : live.subList(maxReleases, live.size())) {
                if (overflowed.add(r.cumulative().key())) {
                    overflow.inc();
                    LOG.warn("not exporting {}: canopy.metrics.max.releases={} releases are tracked already (raise it, or lower canopy.metrics.release.ttl)",
                            r.cumulative().key(), maxReleases);
                }
            }
            live = new ArrayList<>(live.subList(0, maxReleases));
        }
        Map<MetricCatalogue, List<Sample>> next = new EnumMap<>(MetricCatalogue.class);
        for (ReleaseSnapshot r : live) {
            add(next, r);
        }
        samples = next;
        tracked = live.size();
    }

    private static void put(Map<MetricCatalogue, List<Sample>> out, MetricCatalogue m, double value, String... labels) {
        if (Double.isFinite(value)) {
            out.computeIfAbsent(m, k -> new ArrayList<>()).add(new Sample(value, labels));
        }
    }

    private static void add(Map<MetricCatalogue, List<Sample>> out, ReleaseSnapshot r) {
        GroupMetrics c = r.cumulative();
        String model = c.key().model();
        String release = c.key().release();
        window(out, c, model, release, "cumulative");
        if (r.rolling() != null) {
            window(out, r.rolling(), model, release, "rolling");
        }
        put(out, MetricCatalogue.PROMPTS, c.prompts(), model, release);
        put(out, MetricCatalogue.ROLLOUTS, c.rollouts(), model, release);
        put(out, MetricCatalogue.TOKENS, c.tokens(), model, release);
        put(out, MetricCatalogue.ABANDONED, c.abandoned(), model, release);
        put(out, MetricCatalogue.STEPS_BY_ESTIMATOR, c.exactSteps(), model, release, "exact");
        put(out, MetricCatalogue.STEPS_BY_ESTIMATOR, c.topkSteps(), model, release, "topk");
        put(out, MetricCatalogue.STEPS_BY_ESTIMATOR, c.surprisalSteps(), model, release, "surprisal");
        put(out, MetricCatalogue.RELEASE_INFO, 1, model, release, r.baseline());
        put(out, MetricCatalogue.RELEASE_FIRST_SEEN, r.firstSeenMs() / 1000.0, model, release);
        if (r.semantic() != null) {
            semantic(out, r.semantic(), model, release);
        }
    }

    private static void semantic(Map<MetricCatalogue, List<Sample>> out, SemanticCodec.Result s, String model, String release) {
        SemanticMetrics m = s.metrics();
        put(out, MetricCatalogue.SEMANTIC_DIVERSITY, m.diversity(), model, release);
        put(out, MetricCatalogue.SEMANTIC_VENDI, m.vendi(), model, release);
        put(out, MetricCatalogue.SEMANTIC_PROMPTS, m.prompts(), model, release);
        byMethod(out, MetricCatalogue.SEMANTIC_RATE_CORRELATION, m.rateCorrelation(), model, release);
        byMethod(out, MetricCatalogue.SEMANTIC_LENGTH_CORRELATION, m.lengthCorrelation(), model, release);
        SemanticCounts c = s.counts();
        put(out, MetricCatalogue.SEMANTIC_ROLLOUTS, c.embedded(), model, release, "embedded");
        put(out, MetricCatalogue.SEMANTIC_ROLLOUTS, c.notSampled(), model, release, "not_sampled");
        put(out, MetricCatalogue.SEMANTIC_ROLLOUTS, c.overBudget(), model, release, "over_budget");
        put(out, MetricCatalogue.SEMANTIC_ROLLOUTS, c.withoutText(), model, release, "without_text");
    }

    private static void byMethod(Map<MetricCatalogue, List<Sample>> out, MetricCatalogue metric, Correlations.Coefficients c,
                                 String model, String release) {
        put(out, metric, c.pearson(), model, release, "pearson");
        put(out, metric, c.spearman(), model, release, "spearman");
        put(out, metric, c.kendall(), model, release, "kendall");
    }

    private static void window(Map<MetricCatalogue, List<Sample>> out, GroupMetrics m, String model, String release, String window) {
        put(out, MetricCatalogue.CE_STAR, m.ceStar(), model, release, window);
        put(out, MetricCatalogue.CE_STAR_UPPER, m.ceStarUpper(), model, release, window);
        put(out, MetricCatalogue.GEN_PPL, m.genPpl(), model, release, window);
        put(out, MetricCatalogue.BRANCHING_FACTOR, m.branchingFactor(), model, release, window);
        put(out, MetricCatalogue.MEAN_LENGTH, m.meanLength(), model, release, window);
        put(out, MetricCatalogue.MEAN_ENTROPY_RATE, m.meanEntropyRate(), model, release, window);
        put(out, MetricCatalogue.LENGTH_DRIVEN, m.lengthDriven(), model, release, window);
        put(out, MetricCatalogue.COUPLING, m.coupling(), model, release, window);
        put(out, MetricCatalogue.TRUNCATION, m.truncationRate(), model, release, window);
        put(out, MetricCatalogue.WINDOW_ROLLOUTS, m.rollouts(), model, release, window);
        correlations(out, m.lengthEntropyRate(), m.pearsonInterval(), model, release, window, "prompt-pooled");
        correlations(out, m.allRollouts(), m.allPearsonInterval(), model, release, window, "all-rollouts");
    }

    private static void correlations(Map<MetricCatalogue, List<Sample>> out, Correlations.Coefficients c, double[] interval,
                                     String model, String release, String window, String scope) {
        put(out, MetricCatalogue.CORRELATION, c.pearson(), model, release, window, scope, "pearson");
        put(out, MetricCatalogue.CORRELATION, c.spearman(), model, release, window, scope, "spearman");
        put(out, MetricCatalogue.CORRELATION, c.kendall(), model, release, window, scope, "kendall");
        put(out, MetricCatalogue.COVARIANCE, c.covariance(), model, release, window, scope);
        put(out, MetricCatalogue.CORRELATION_LOWER, interval[0], model, release, window, scope);
        put(out, MetricCatalogue.CORRELATION_UPPER, interval[1], model, release, window, scope);
    }

    public void streamsState(String state) {
        this.streamsState = state;
    }

    /** A stream thread failed (whether it is replaced or the monitor stops). */
    public void streamThreadFailed() {
        threadFailures.inc();
    }

    @Override
    public void eventRead() {
        events.inc();
    }

    @Override
    public void eventRejected(String reason) {
        rejected.labelValues(reason).inc();
    }

    @Override
    public void rolloutMeasured(String model, String release, long lagMillis) {
        lag.observe(lagMillis / 1000.0);
    }

    @Override
    public void metricsEmitted(double seconds) {
        emits.observe(seconds);
    }

    @Override
    public void rolloutEmbedded(double seconds) {
        embedding.observe(seconds);
    }

    @Override
    public void inFlight(String taskId, long rollouts) {
        inFlight.put(taskId, rollouts);
    }

    @Override
    public void semanticBacklog(String taskId, long rollouts) {
        semanticBacklog.put(taskId, rollouts);
    }

    /** Rollouts in flight across this instance's tasks, as last reported. */
    public long inFlight() {
        return inFlight.values().stream().mapToLong(Long::longValue).sum();
    }

    Set<GroupKey> overflowed() {
        return new HashSet<>(overflowed);
    }
}
