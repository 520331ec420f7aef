package dev.canopy.connectors.probe;

import dev.canopy.core.config.CanopyConfig;
import dev.canopy.connectors.events.RolloutIdSource;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;

/**
 * Everything {@link Prober} needs, validated at construction; build it with {@link #builder}. Error
 * messages name the {@code canopy probe} flag.
 *
 * @param endpoint          OpenAI-compatible base URL including the version path, e.g.
 *                          {@code http://127.0.0.1:8000/v1} ({@code --endpoint}); the prober POSTs to
 *                          {@code endpoint + "/chat/completions"} or {@code "/completions"}
 * @param api               {@code --api chat} (default) or {@code completions}
 * @param requestModel      the {@code model} sent in requests ({@code --request-model}, required)
 * @param model             the events' model label ({@code --model}; default: requestModel)
 * @param release           the events' release label ({@code --release}, required)
 * @param samples           rollouts per prompt and round ({@code --samples}, default 8; the paper's
 *                          prompt-level rho needs several)
 * @param useNParameter     ask for all samples in one request with {@code n} (default); off: one request per
 *                          sample ({@code --no-n}, for servers without {@code n}: llama.cpp, Ollama)
 * @param topLogprobs       candidates per step ({@code --top-logprobs}, default 20, OpenAI's maximum; 0 =
 *                          sampled token only, surprisal estimator)
 * @param maxTokens         token limit per rollout ({@code --max-tokens}, default 256; a probe line may override)
 * @param temperature       sampling temperature ({@code --temperature}, default 1.0: CE* describes the
 *                          distribution the server samples from, so probe with production settings)
 * @param topP              {@code --top-p}, or null to leave it to the server
 * @param interval          pause between the end of one round and the start of the next ({@code --interval},
 *                          default 1 h)
 * @param requestTimeout    per request ({@code --request-timeout}, default 5 min)
 * @param concurrency       requests in flight at once ({@code --concurrency}, default 1)
 * @param headers           extra request headers, e.g. {@code Authorization} (values never logged)
 * @param bootstrapServers  Kafka bootstrap servers ({@code --bootstrap-servers})
 * @param kafkaProperties   producer settings passed through
 * @param topic             token topic (default {@code canopy.tokens})
 * @param probeFile         probe file ({@code --probes}), or null for the default set
 * @param rolloutIds        response (default) | generated
 * @param includeText       write token texts into events (default off)
 */
public record ProbeConfig(URI endpoint, Api api, String requestModel, String model, String release, int samples,
                          boolean useNParameter, int topLogprobs, int maxTokens, double temperature, Double topP,
                          Duration interval, Duration requestTimeout, int concurrency, Map<String, String> headers,
                          String bootstrapServers, Properties kafkaProperties, String topic, Path probeFile,
                          RolloutIdSource rolloutIds, boolean includeText) {

    /** Which OpenAI-compatible API to call. */
    public enum Api {
        CHAT("/chat/completions"), COMPLETIONS("/completions");

        final String path;

        Api(String path) {
            this.path = path;
        }

        public static Api parse(String s) {
            try {
                return valueOf(s.trim().toUpperCase(Locale.ROOT));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("--api must be chat or completions, got '" + s + "'");
            }
        }
    }

    public ProbeConfig {
        require(endpoint != null && endpoint.getScheme() != null
                        && (endpoint.getScheme().equals("http") || endpoint.getScheme().equals("https")) && endpoint.getHost() != null,
                "--endpoint must be an http(s) URL such as http://127.0.0.1:8000/v1, got '" + endpoint + "'");
        require(api != null, "--api must be chat or completions");
        require(requestModel != null && !requestModel.isBlank(), "--request-model is required (the model name the server knows)");
        model = model == null || model.isBlank() ? requestModel : model;
        require(release != null && !release.isBlank(), "--release is required");
        require(samples >= 1 && samples <= 128, "--samples must be in 1..128, got " + samples);
        require(topLogprobs >= 0 && topLogprobs <= 1000, "--top-logprobs must be in 0..1000 (OpenAI allows at most 20), got " + topLogprobs);
        require(maxTokens >= 1, "--max-tokens must be positive, got " + maxTokens);
        require(temperature >= 0 && Double.isFinite(temperature), "--temperature must be >= 0, got " + temperature);
        require(topP == null || (topP > 0 && topP <= 1), "--top-p must be in (0, 1], got " + topP);
        require(interval != null && !interval.isNegative() && !interval.isZero(), "--interval must be positive");
        require(requestTimeout != null && !requestTimeout.isNegative() && !requestTimeout.isZero(), "--request-timeout must be positive");
        require(concurrency >= 1 && concurrency <= 64, "--concurrency must be in 1..64, got " + concurrency);
        headers = Map.copyOf(headers == null ? Map.of() : headers);
        require(bootstrapServers != null && !bootstrapServers.isBlank(), "--bootstrap-servers is required");
        kafkaProperties = kafkaProperties == null ? new Properties() : (Properties) kafkaProperties.clone();
        require(topic != null && !topic.isBlank(), "--topic must not be empty");
        require(rolloutIds != null, "--rollout-ids must be response or generated");
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /** The URL requests are sent to. */
    public URI requestUri() {
        String base = endpoint.toString();
        return URI.create((base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + api.path);
    }

    public static Builder builder(URI endpoint, String requestModel, String release, String bootstrapServers) {
        return new Builder(endpoint, requestModel, release, bootstrapServers);
    }

    /** Mutable builder; {@link #build()} validates. */
    public static final class Builder {
        private URI endpoint;
        private Api api = Api.CHAT;
        private String requestModel;
        private String model;
        private String release;
        private int samples = 8;
        private boolean useNParameter = true;
        private int topLogprobs = 20;
        private int maxTokens = 256;
        private double temperature = 1.0;
        private Double topP;
        private Duration interval = Duration.ofHours(1);
        private Duration requestTimeout = Duration.ofMinutes(5);
        private int concurrency = 1;
        private final Map<String, String> headers = new LinkedHashMap<>();
        private String bootstrapServers;
        private Properties kafkaProperties = new Properties();
        private String topic = CanopyConfig.TOKENS_TOPIC;
        private Path probeFile;
        private RolloutIdSource rolloutIds = RolloutIdSource.RESPONSE;
        private boolean includeText;

        private Builder(URI endpoint, String requestModel, String release, String bootstrapServers) {
            this.endpoint = endpoint;
            this.requestModel = requestModel;
            this.release = release;
            this.bootstrapServers = bootstrapServers;
        }

        public Builder api(Api v) { this.api = v; return this; }
        public Builder model(String v) { this.model = v; return this; }
        public Builder samples(int v) { this.samples = v; return this; }
        public Builder useNParameter(boolean v) { this.useNParameter = v; return this; }
        public Builder topLogprobs(int v) { this.topLogprobs = v; return this; }
        public Builder maxTokens(int v) { this.maxTokens = v; return this; }
        public Builder temperature(double v) { this.temperature = v; return this; }
        public Builder topP(Double v) { this.topP = v; return this; }
        public Builder interval(Duration v) { this.interval = v; return this; }
        public Builder requestTimeout(Duration v) { this.requestTimeout = v; return this; }
        public Builder concurrency(int v) { this.concurrency = v; return this; }
        public Builder header(String name, String value) { this.headers.put(Objects.requireNonNull(name), Objects.requireNonNull(value)); return this; }
        public Builder kafkaProperties(Properties v) { this.kafkaProperties = Objects.requireNonNull(v); return this; }
        public Builder topic(String v) { this.topic = v; return this; }
        /** null = the default probe set. */
        public Builder probeFile(Path v) { this.probeFile = v; return this; }
        public Builder rolloutIds(RolloutIdSource v) { this.rolloutIds = v; return this; }
        public Builder includeText(boolean v) { this.includeText = v; return this; }

        public ProbeConfig build() {
            return new ProbeConfig(endpoint, api, requestModel, model, release, samples, useNParameter, topLogprobs, maxTokens,
                    temperature, topP, interval, requestTimeout, concurrency, headers, bootstrapServers, kafkaProperties, topic,
                    probeFile, rolloutIds, includeText);
        }
    }
}
