package dev.canopy.connectors.probe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.canopy.connectors.adapters.Json;
import dev.canopy.connectors.adapters.OpenAiAdapter;
import dev.canopy.connectors.events.PromptIds;
import dev.canopy.connectors.events.Rejection;
import dev.canopy.connectors.events.RolloutContext;
import dev.canopy.connectors.events.RolloutIdGuard;
import dev.canopy.connectors.events.RolloutIdSource;
import dev.canopy.connectors.events.TokenEventSink;
import dev.canopy.connectors.kafka.KafkaEventPublisher;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code canopy probe}: sends every prompt of a {@link ProbeSet} to an OpenAI-compatible endpoint,
 * {@code samples} rollouts per prompt with logprobs and top logprobs on, and publishes the token events
 * with the probe's prompt id, the configured model and release. One pass over the set is a round;
 * {@link #start} runs a round at once and then one {@code interval} after the previous round ended.
 *
 * <p>Requests are non-streamed and sequential by default ({@code concurrency}). With
 * {@code useNParameter} one request asks for all samples ({@code n}); some servers ignore {@code n}
 * (llama.cpp, Ollama): the prober then warns once and the round has fewer rollouts than planned; use
 * one request per sample instead. Rollout ids: response id + ":" + choice index (unique among recent
 * responses, see {@link RolloutIdGuard}) or generated. A failed request (HTTP error, timeout) is
 * logged with its status, never its body, and counted; the round goes on.
 *
 * <p>Metrics (when a registry is given): {@code canopy_probe_requests_total{outcome="ok|http_error|io_error"}},
 * {@code canopy_probe_rounds_total}, plus the publisher's {@code canopy_connector_*}.
 */
public final class Prober implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Prober.class);

    /** What one round did. */
    public record RoundSummary(int prompts, int requests, int failedRequests, long events, long rejections, Duration took) {
    }

    private final ProbeConfig config;
    private final ProbeSet probes;
    private final TokenEventSink sink;
    private final KafkaEventPublisher publisher;
    private final HttpClient client;
    private final ExecutorService httpExecutor;
    private final ExecutorService workers;
    private final RolloutIdGuard guard = new RolloutIdGuard(1 << 14);
    private final Counter requestsMetric;
    private final Counter roundsMetric;
    private final AtomicBoolean warnedN = new AtomicBoolean();
    private ScheduledExecutorService scheduler;
    private boolean closed;

    /**
     * Loads the probe set ({@code config.probeFile()} or the default), creates a Kafka publisher and starts
     * the schedule. {@code registry} may be null.
     *
     * @throws UncheckedIOException     if the probe file cannot be read
     * @throws IllegalArgumentException if the probe file is invalid (the message names file and line)
     */
    public static Prober start(ProbeConfig config, PrometheusRegistry registry) {
        ProbeSet set;
        try {
            set = config.probeFile() == null ? ProbeSet.defaultSet() : ProbeSet.read(config.probeFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read probe file " + config.probeFile() + ": " + e.getMessage(), e);
        }
        KafkaEventPublisher publisher = new KafkaEventPublisher(new KafkaEventPublisher.Settings(config.bootstrapServers(),
                config.topic(), 64L << 20, config.kafkaProperties()), registry);
        Prober p;
        try {
            p = new Prober(config, set, publisher, publisher, registry);
        } catch (RuntimeException e) {
            publisher.close(Duration.ZERO);
            throw e;
        }
        p.schedule();
        return p;
    }

    /**
     * A prober publishing to {@code sink} (not closed by {@link #close()}), without a schedule: call
     * {@link #runRound()} yourself. {@code registry} may be null.
     *
     * @throws IllegalArgumentException if the completions API is chosen and a probe has only chat messages
     */
    public Prober(ProbeConfig config, ProbeSet probes, TokenEventSink sink, PrometheusRegistry registry) {
        this(config, probes, sink, null, registry);
    }

    private Prober(ProbeConfig config, ProbeSet probes, TokenEventSink sink, KafkaEventPublisher publisher,
                   PrometheusRegistry registry) {
        if (config.api() == ProbeConfig.Api.COMPLETIONS) {
            for (ProbePrompt p : probes.prompts()) {
                if (p.prompt() == null) {
                    throw new IllegalArgumentException((p.id() != null ? "probe '" + p.id() + "'" : "a probe without id")
                            + " has chat messages only; the completions API needs a \"prompt\"");
                }
            }
        }
        this.config = config;
        this.probes = probes;
        this.sink = sink;
        this.publisher = publisher;
        this.httpExecutor = Executors.newCachedThreadPool(daemon("canopy-probe-http"));
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10))
                .executor(httpExecutor).build();
        this.workers = Executors.newFixedThreadPool(config.concurrency(), daemon("canopy-probe"));
        if (registry != null) {
            requestsMetric = Counter.builder().name("canopy_probe_requests").help("Probe requests, by outcome")
                    .labelNames("outcome").register(registry);
            roundsMetric = Counter.builder().name("canopy_probe_rounds").help("Probe rounds completed").register(registry);
        } else {
            requestsMetric = null;
            roundsMetric = null;
        }
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    public ProbeSet probes() {
        return probes;
    }

    /** The Kafka publisher when started with {@link #start}, else null. */
    public KafkaEventPublisher publisher() {
        return publisher;
    }

    private synchronized void schedule() {
        scheduler = Executors.newSingleThreadScheduledExecutor(daemon("canopy-probe-schedule"));
        scheduler.scheduleWithFixedDelay(() -> {
            try {
                RoundSummary s = runRound();
                if (publisher != null) {
                    publisher.flush(Duration.ofSeconds(30));
                }
                LOG.info("canopy probe round: {} prompts, {} requests ({} failed), {} events, {} rejected steps, {} ms; next in {}",
                        s.prompts(), s.requests(), s.failedRequests(), s.events(), s.rejections(), s.took().toMillis(), config.interval());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                LOG.warn("canopy probe round failed: {}", e.toString());
            }
        }, 0, config.interval().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** One pass over the probe set, now, on the calling thread (requests on the worker pool). */
    public RoundSummary runRound() throws InterruptedException {
        long t0 = System.nanoTime();
        AtomicLong events = new AtomicLong();
        AtomicLong rejections = new AtomicLong();
        AtomicInteger failed = new AtomicInteger();
        TokenEventSink counting = new TokenEventSink() {
            @Override
            public void publish(String rolloutId, byte[] record) {
                events.incrementAndGet();
                sink.publish(rolloutId, record);
            }

            @Override
            public void reject(Rejection rejection) {
                rejections.incrementAndGet();
                sink.reject(rejection);
            }
        };
        int perPrompt = config.useNParameter() ? 1 : config.samples();
        int n = config.useNParameter() ? config.samples() : 1;
        List<Future<?>> futures = new ArrayList<>();
        for (ProbePrompt p : probes.prompts()) {
            for (int i = 0; i < perPrompt; i++) {
                futures.add(workers.submit(() -> {
                    if (!request(p, n, counting)) {
                        failed.incrementAndGet();
                    }
                }));
            }
        }
        try {
            for (Future<?> f : futures) {
                f.get();
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("probe request crashed", e.getCause());
        } catch (InterruptedException e) {
            for (Future<?> f : futures) {
                f.cancel(true);
            }
            throw e;
        }
        if (roundsMetric != null) {
            roundsMetric.inc();
        }
        return new RoundSummary(probes.size(), futures.size(), failed.get(), events.get(), rejections.get(),
                Duration.ofNanos(System.nanoTime() - t0));
    }

    /**
     * The prompt id of the events of {@code p}: its own id, else the hash of what is sent (the chat
     * {@code messages}, or the legacy {@code prompt}), the same id the proxy computes with prompt hashing.
     */
    public String promptId(ProbePrompt p) {
        if (p.id() != null) {
            return p.id();
        }
        return config.api() == ProbeConfig.Api.CHAT ? PromptIds.of(messages(p)) : PromptIds.ofText(p.prompt());
    }

    private static JsonNode messages(ProbePrompt p) {
        if (p.messages() != null) {
            return p.messages();
        }
        ArrayNode messages = JsonNodeFactory.instance.arrayNode();
        messages.addObject().put("role", "user").put("content", p.prompt());
        return messages;
    }

    /** The JSON body of a probe request. */
    public byte[] requestBody(ProbePrompt p, int n) {
        ObjectNode b = JsonNodeFactory.instance.objectNode();
        b.put("model", config.requestModel());
        if (config.api() == ProbeConfig.Api.CHAT) {
            b.set("messages", messages(p));
            b.put("logprobs", true);
            if (config.topLogprobs() > 0) {
                b.put("top_logprobs", config.topLogprobs());
            }
        } else {
            b.put("prompt", p.prompt());
            b.put("logprobs", config.topLogprobs());
        }
        if (n > 1) {
            b.put("n", n);
        }
        b.put("max_tokens", p.maxTokens() != null ? p.maxTokens() : config.maxTokens());
        b.put("temperature", config.temperature());
        if (config.topP() != null) {
            b.put("top_p", config.topP());
        }
        b.put("stream", false);
        try {
            return Json.MAPPER.writeValueAsBytes(b);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private boolean request(ProbePrompt p, int n, TokenEventSink out) {
        HttpRequest.Builder rb = HttpRequest.newBuilder(config.requestUri()).timeout(config.requestTimeout())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(requestBody(p, n)));
        config.headers().forEach(rb::header);
        HttpResponse<byte[]> resp;
        try {
            resp = client.send(rb.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            count("io_error");
            LOG.warn("canopy probe: request for prompt {} failed: {}", promptId(p), e.toString());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        if (resp.statusCode() != 200) {
            count("http_error");
            LOG.warn("canopy probe: request for prompt {} answered HTTP {}", promptId(p), resp.statusCode());
            return false;
        }
        count("ok");
        if (n > 1 && warnedN.compareAndSet(false, true)) {
            JsonNode root = Json.read(resp.body());
            int choices = root == null ? 0 : root.path("choices").size();
            if (choices < n) {
                LOG.warn("canopy probe: asked for n={} samples, the server returned {} choices: it ignores n;"
                        + " probe with one request per sample (--no-n)", n, choices);
            } else {
                warnedN.set(false);
            }
        }
        String base = config.rolloutIds() == RolloutIdSource.GENERATED ? RolloutContext.randomBase() : null;
        RolloutContext ctx = new RolloutContext(config.model(), config.release(), promptId(p), base, config.includeText(),
                System::currentTimeMillis, config.rolloutIds() == RolloutIdSource.RESPONSE ? guard : null);
        OpenAiAdapter.adaptResponse(resp.body(), ctx, out);
        return true;
    }

    private void count(String outcome) {
        if (requestsMetric != null) {
            requestsMetric.labelValues(outcome).inc();
        }
    }

    /** Stops the schedule, waits up to 10 s for a running round, closes the publisher it owns. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
        workers.shutdownNow();
        try {
            workers.awaitTermination(10, TimeUnit.SECONDS);
            if (scheduler != null) {
                scheduler.awaitTermination(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        httpExecutor.shutdownNow();
        if (publisher != null) {
            publisher.close(Duration.ofSeconds(5));
        }
    }
}
