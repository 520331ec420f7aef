package dev.canopy.connectors.proxy;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * The proxy's own series (the event publisher adds {@code canopy_connector_*}, see
 * {@link dev.canopy.connectors.kafka.KafkaEventPublisher}). Labels: {@code endpoint} is
 * {@code chat_completions}, {@code completions} or {@code other}; {@code code} the HTTP status returned
 * to the client.
 * <pre>
 * canopy_proxy_requests_total{code="200",endpoint="chat_completions"} 17.0
 * canopy_proxy_upstream_latency_seconds_bucket{endpoint="chat_completions",le="0.05"} 12
 * canopy_proxy_upstream_errors_total{kind="connect"} 0.0
 * canopy_proxy_uninstrumented_total{reason="logprobs_not_requested"} 3.0
 * </pre>
 */
final class ProxyMetrics {

    static final String REQUESTS = "canopy_proxy_requests";
    static final String UPSTREAM_LATENCY = "canopy_proxy_upstream_latency_seconds";
    static final String UPSTREAM_ERRORS = "canopy_proxy_upstream_errors";
    static final String UNINSTRUMENTED = "canopy_proxy_uninstrumented";

    private final Counter requests;
    private final Histogram upstreamLatency;
    private final Counter upstreamErrors;
    private final Counter uninstrumented;

    ProxyMetrics(PrometheusRegistry registry) {
        requests = Counter.builder().name(REQUESTS).help("Requests answered by the proxy, by endpoint and HTTP status")
                .labelNames("endpoint", "code").register(registry);
        upstreamLatency = Histogram.builder().name(UPSTREAM_LATENCY)
                .help("Time from receiving a request to the upstream's response headers (s)")
                .labelNames("endpoint").classicOnly()
                .classicUpperBounds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)
                .register(registry);
        upstreamErrors = Counter.builder().name(UPSTREAM_ERRORS)
                .help("Requests the upstream did not answer (connect: refused or unreachable; timeout: no headers in time;"
                        + " idle: the body stopped for the idle timeout and the response was cut)")
                .labelNames("kind").register(registry);
        uninstrumented = Counter.builder().name(UNINSTRUMENTED)
                .help("Completion requests relayed without producing events, by reason")
                .labelNames("reason").register(registry);
        for (RequestPlan.Endpoint e : RequestPlan.Endpoint.values()) {
            requests.labelValues(e.label, "200");
        }
        upstreamErrors.labelValues("connect");
        upstreamErrors.labelValues("timeout");
        upstreamErrors.labelValues("idle");
    }

    void request(RequestPlan.Endpoint endpoint, int code) {
        requests.labelValues(endpoint.label, Integer.toString(code)).inc();
    }

    void upstreamLatency(RequestPlan.Endpoint endpoint, long nanos) {
        upstreamLatency.labelValues(endpoint.label).observe(nanos / 1e9);
    }

    void upstreamError(String kind) {
        upstreamErrors.labelValues(kind).inc();
    }

    void uninstrumented(String reason) {
        uninstrumented.labelValues(reason).inc();
    }
}
