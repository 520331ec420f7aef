package dev.canopy.connectors.proxy;

import dev.canopy.core.config.CanopyConfig;
import dev.canopy.connectors.events.RolloutIdSource;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Properties;

/**
 * Everything {@link LogprobProxy} needs, validated once at construction; build it with {@link #builder}.
 * Error messages name the setting as the {@code canopy proxy} flag that sets it.
 *
 * @param upstream              base URL of the OpenAI-compatible server ({@code --upstream}); a request for
 *                              {@code /v1/chat/completions} goes to {@code upstream + "/v1/chat/completions"}
 *                              (a path in the base URL is kept as a prefix)
 * @param bootstrapServers      Kafka bootstrap servers ({@code --bootstrap-servers})
 * @param kafkaProperties       producer settings passed through (TLS, SASL, ...); never null
 * @param topic                 token topic ({@code --topic}, default {@code canopy.tokens})
 * @param modelSource           {@code --model-source}: request | header:NAME | fixed:NAME (default request)
 * @param release               release label of all events ({@code --release}, required)
 * @param topLogprobs           {@code --top-logprobs K}: when set, requests that did not ask for logprobs
 *                              get {@code logprobs}/{@code top_logprobs: K} added and the logprobs removed
 *                              from the response; null = never change requests, only observe clients
 *                              that ask themselves
 * @param listenHost            address to bind ({@code --listen}, default 127.0.0.1)
 * @param listenPort            port to bind (default 8080; 0 = any free port)
 * @param hashPromptIds         {@code --hash-prompt-ids}: prompt id = hash of the prompt (default off:
 *                              production traffic has no prompt ids)
 * @param rolloutIds            {@code --rollout-ids}: response (default) | generated
 * @param metricsPath           path of the proxy's own Prometheus metrics on the listen port
 *                              (default {@code /canopy/metrics}; never forwarded)
 * @param eventBufferBytes      bound of the in-memory event buffer ({@code --event-buffer}, default 64 MiB)
 * @param connectTimeout        upstream connect timeout (default 10 s)
 * @param upstreamTimeout       how long to wait for the upstream's response headers (default 10 min; a
 *                              non-streamed generation sends them only when it is done)
 * @param upstreamIdleTimeout   longest pause between two pieces of an upstream response body
 *                              ({@code --upstream-idle-timeout}, default 5 min); after it the response is
 *                              cut: a stream ends with an error event, its open rollouts are published
 *                              without {@code final} (abandoned), and it is counted as
 *                              {@code canopy_proxy_upstream_errors_total{kind="idle"}}
 * @param maxConcurrentRequests requests handled at once (default 256); more wait in a queue
 * @param maxBufferedBodyBytes  largest request body parsed and largest non-streamed response body
 *                              buffered for events (default 32 MiB); larger ones are relayed without events
 * @param includeText           write token texts into events ({@code --include-text}, default off: they
 *                              are prompt-derived data)
 * @param timestamps            write the time each token was received as the event timestamp (default on)
 */
public record ProxyConfig(URI upstream, String bootstrapServers, Properties kafkaProperties, String topic,
                          ModelSource modelSource, String release, Integer topLogprobs, String listenHost,
                          int listenPort, boolean hashPromptIds, RolloutIdSource rolloutIds, String metricsPath,
                          long eventBufferBytes, Duration connectTimeout, Duration upstreamTimeout, Duration upstreamIdleTimeout,
                          int maxConcurrentRequests, int maxBufferedBodyBytes, boolean includeText,
                          boolean timestamps) {

    public static final String DEFAULT_TOPIC = CanopyConfig.TOKENS_TOPIC;
    public static final String DEFAULT_METRICS_PATH = "/canopy/metrics";
    public static final Duration DEFAULT_UPSTREAM_IDLE_TIMEOUT = Duration.ofMinutes(5);

    public ProxyConfig {
        require(upstream != null, "--upstream is required (e.g. http://127.0.0.1:8000)");
        String scheme = upstream.getScheme();
        require(scheme != null && (scheme.equals("http") || scheme.equals("https")) && upstream.getHost() != null,
                "--upstream must be an http:// or https:// URL with a host, got '" + upstream + "'");
        require(upstream.getQuery() == null && upstream.getFragment() == null,
                "--upstream must not have a query or fragment, got '" + upstream + "'");
        require(bootstrapServers != null && !bootstrapServers.isBlank(), "--bootstrap-servers is required");
        kafkaProperties = kafkaProperties == null ? new Properties() : (Properties) kafkaProperties.clone();
        require(topic != null && !topic.isBlank(), "--topic must not be empty");
        require(modelSource != null, "--model-source is required (request, header:NAME or fixed:NAME)");
        require(release != null && !release.isBlank(), "--release is required (the release label of the served model)");
        require(topLogprobs == null || (topLogprobs >= 0 && topLogprobs <= 1000),
                "--top-logprobs must be between 0 and 1000 (OpenAI allows at most 20), got " + topLogprobs);
        require(listenHost != null && !listenHost.isBlank(), "--listen host must not be empty");
        require(listenPort >= 0 && listenPort <= 65535, "--listen port must be in 0..65535, got " + listenPort);
        require(rolloutIds != null, "--rollout-ids must be response or generated");
        require(metricsPath != null && metricsPath.startsWith("/") && metricsPath.length() > 1,
                "--metrics-path must start with / and not be /, got '" + metricsPath + "'");
        require(eventBufferBytes >= 1024, "--event-buffer must be at least 1024 bytes, got " + eventBufferBytes);
        require(connectTimeout != null && !connectTimeout.isNegative() && !connectTimeout.isZero(),
                "--connect-timeout must be positive");
        require(upstreamTimeout != null && !upstreamTimeout.isNegative() && !upstreamTimeout.isZero(),
                "--upstream-timeout must be positive");
        require(upstreamIdleTimeout != null && !upstreamIdleTimeout.isNegative() && !upstreamIdleTimeout.isZero(),
                "--upstream-idle-timeout must be positive (e.g. 5m)");
        require(maxConcurrentRequests >= 1, "--max-concurrent-requests must be at least 1, got " + maxConcurrentRequests);
        require(maxBufferedBodyBytes >= 1024, "--max-body must be at least 1024 bytes, got " + maxBufferedBodyBytes);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /** Starts a builder with the required settings; everything else has its default. */
    public static Builder builder(URI upstream, String bootstrapServers, String release) {
        return new Builder(upstream, bootstrapServers, release);
    }

    /** Mutable builder; {@link #build()} validates. */
    public static final class Builder {
        private URI upstream;
        private String bootstrapServers;
        private Properties kafkaProperties = new Properties();
        private String topic = DEFAULT_TOPIC;
        private ModelSource modelSource = ModelSource.request();
        private String release;
        private Integer topLogprobs;
        private String listenHost = "127.0.0.1";
        private int listenPort = 8080;
        private boolean hashPromptIds;
        private RolloutIdSource rolloutIds = RolloutIdSource.RESPONSE;
        private String metricsPath = DEFAULT_METRICS_PATH;
        private long eventBufferBytes = 64L << 20;
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration upstreamTimeout = Duration.ofMinutes(10);
        private Duration upstreamIdleTimeout = DEFAULT_UPSTREAM_IDLE_TIMEOUT;
        private int maxConcurrentRequests = 256;
        private int maxBufferedBodyBytes = 32 << 20;
        private boolean includeText;
        private boolean timestamps = true;

        private Builder(URI upstream, String bootstrapServers, String release) {
            this.upstream = upstream;
            this.bootstrapServers = bootstrapServers;
            this.release = release;
        }

        public Builder upstream(URI v) { this.upstream = v; return this; }
        public Builder bootstrapServers(String v) { this.bootstrapServers = v; return this; }
        public Builder kafkaProperties(Properties v) { this.kafkaProperties = Objects.requireNonNull(v); return this; }
        public Builder topic(String v) { this.topic = v; return this; }
        public Builder modelSource(ModelSource v) { this.modelSource = v; return this; }
        public Builder release(String v) { this.release = v; return this; }
        /** null = never change requests. */
        public Builder topLogprobs(Integer v) { this.topLogprobs = v; return this; }
        public Builder listen(String host, int port) { this.listenHost = host; this.listenPort = port; return this; }
        public Builder hashPromptIds(boolean v) { this.hashPromptIds = v; return this; }
        public Builder rolloutIds(RolloutIdSource v) { this.rolloutIds = v; return this; }
        public Builder metricsPath(String v) { this.metricsPath = v; return this; }
        public Builder eventBufferBytes(long v) { this.eventBufferBytes = v; return this; }
        public Builder connectTimeout(Duration v) { this.connectTimeout = v; return this; }
        public Builder upstreamTimeout(Duration v) { this.upstreamTimeout = v; return this; }
        public Builder upstreamIdleTimeout(Duration v) { this.upstreamIdleTimeout = v; return this; }
        public Builder maxConcurrentRequests(int v) { this.maxConcurrentRequests = v; return this; }
        public Builder maxBufferedBodyBytes(int v) { this.maxBufferedBodyBytes = v; return this; }
        public Builder includeText(boolean v) { this.includeText = v; return this; }
        public Builder timestamps(boolean v) { this.timestamps = v; return this; }

        public ProxyConfig build() {
            return new ProxyConfig(upstream, bootstrapServers, kafkaProperties, topic, modelSource, release, topLogprobs,
                    listenHost, listenPort, hashPromptIds, rolloutIds, metricsPath, eventBufferBytes, connectTimeout,
                    upstreamTimeout, upstreamIdleTimeout, maxConcurrentRequests, maxBufferedBodyBytes, includeText, timestamps);
        }
    }
}
