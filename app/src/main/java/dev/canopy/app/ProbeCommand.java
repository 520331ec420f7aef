package dev.canopy.app;

import dev.canopy.core.config.CanopyConfig;
import dev.canopy.core.UserError;

import dev.canopy.monitor.Durations;
import dev.canopy.connectors.probe.ProbeConfig;
import dev.canopy.connectors.kafka.KafkaEventPublisher;
import dev.canopy.connectors.kafka.TopicCheck;
import dev.canopy.connectors.probe.ProbeSet;
import dev.canopy.connectors.probe.Prober;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code canopy probe}: a fixed probe set, n samples per prompt, on a schedule. */
@Command(name = "probe", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Samples a fixed probe set on a schedule, for prompt-controlled rho.",
                "Sends each prompt to an OpenAI-compatible endpoint with n samples and logprobs on, on a schedule, publishing token events with prompt ids: the paper's prompt-controlled rho, measured",
                "continuously. Without --prompts it uses the built-in probe set (coding, math, stories, completion)."})
public final class ProbeCommand implements Callable<Integer> {

    @Option(names = "--endpoint", required = true, paramLabel = "URL", description = "The server's OpenAI-compatible base URL, e.g. http://127.0.0.1:8000/v1")
    URI endpoint;

    @Option(names = "--model", required = true, description = "The model name to request (and to report under, unless --model-label).")
    String model;

    @Option(names = "--model-label", description = "Report under this model name instead.")
    String modelLabel;

    @Option(names = "--release", required = true, description = "The release the endpoint serves.")
    String release;

    @Mixin
    KafkaOptions kafka = new KafkaOptions();

    @Option(names = "--prompts", paramLabel = "FILE", description = "Probe set: JSONL ({\"id\",\"prompt\"} or {\"id\",\"messages\"}) or one prompt a line.")
    Path prompts;

    @Option(names = "--samples", defaultValue = "8", description = "Samples per prompt and round (default: ${DEFAULT-VALUE}).")
    int samples;

    @Option(names = "--interval", defaultValue = "1h", converter = Durations.Converter.class, description = "Time between rounds (default: ${DEFAULT-VALUE}).")
    Duration interval;

    @Option(names = "--top-logprobs", defaultValue = "20", description = "Top logprobs per token (default: ${DEFAULT-VALUE}).")
    int topLogprobs;

    @Option(names = "--max-tokens", defaultValue = "256", description = "Token limit per sample (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--temperature", defaultValue = "1.0", description = "Sampling temperature (default: ${DEFAULT-VALUE}, the paper's setting).")
    double temperature;

    @Option(names = "--top-p", paramLabel = "P", description = "Nucleus sampling (0, 1] (default: the server's).")
    Double topP;

    @Option(names = "--concurrency", defaultValue = "1", description = "Requests in flight at once, 1..64 (default: ${DEFAULT-VALUE}).")
    int concurrency;

    @Option(names = "--api", defaultValue = "chat", paramLabel = "chat|completions", description = "Endpoint kind (default: ${DEFAULT-VALUE}).")
    String api;

    @Option(names = "--no-n", description = "Send one request per sample instead of using the n parameter.")
    boolean noN;

    @Option(names = "--api-key-env", paramLabel = "VAR", description = "Read a bearer token from this environment variable (never logged).")
    String apiKeyEnv;

    @Option(names = "--once", description = "Run one round and exit.")
    boolean once;

    @Option(names = "--topic", defaultValue = CanopyConfig.TOKENS_TOPIC, description = "Input topic of the monitor (default: ${DEFAULT-VALUE}).")
    String topic;

    @Option(names = "--include-text", description = "Write token texts into the events (needed for semantic diversity; off by default).")
    boolean includeText;

    @Override
    public Integer call() throws InterruptedException {
        if (prompts != null && !Files.isRegularFile(prompts)) {
            throw new UserError("probe file not found: " + prompts + " (check --prompts)");
        }
        ProbeConfig config = config();
        if (once) {
            ProbeSet set;
            try {
                set = prompts == null ? ProbeSet.defaultSet() : ProbeSet.read(prompts);
            } catch (IOException | IllegalArgumentException e) {
                throw new UserError("cannot use probe file " + prompts + ": " + e.getMessage());
            }
            String bootstrapServers = kafka.bootstrapServers();
            try (TopicCheck check = TopicCheck.admin(bootstrapServers, kafka.clientProperties(), Duration.ofSeconds(10))) {
                if (Boolean.FALSE.equals(check.exists(topic))) {
                    throw new UserError(TopicCheck.missingMessage(topic, bootstrapServers));
                }
            }
            KafkaEventPublisher publisher = new KafkaEventPublisher(new KafkaEventPublisher.Settings(bootstrapServers, topic, 64L << 20,
                    kafka.clientProperties()), null);
            try (Prober prober = new Prober(config, set, publisher, null)) {
                System.err.println("canopy: probe round: " + prober.runRound());
            } finally {
                publisher.close(Duration.ofSeconds(30));
            }
            return 0;
        }
        Prober prober;
        try {
            prober = Prober.start(config, null);
        } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
            throw new UserError(e.getMessage());
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            prober.close();
            stopped.countDown();
        }, "canopy-probe-shutdown"));
        System.err.println("canopy: probing " + endpoint + " every " + interval + ", " + samples + " samples per prompt. Ctrl-C stops.");
        stopped.await();
        return 0;
    }

    /** The probe's configuration from the flags; a bad value is a {@link UserError} naming the flag. */
    ProbeConfig config() {
        try {
            ProbeConfig.Builder b = ProbeConfig.builder(endpoint, model, release, kafka.bootstrapServers())
                    .api(ProbeConfig.Api.parse(api))
                    .samples(samples).useNParameter(!noN).topLogprobs(topLogprobs).maxTokens(maxTokens).temperature(temperature)
                    .topP(topP).concurrency(concurrency)
                    .interval(interval).topic(topic).probeFile(prompts).includeText(includeText).kafkaProperties(kafka.clientProperties());
            if (modelLabel != null) {
                b.model(modelLabel);
            }
            if (apiKeyEnv != null) {
                String key = System.getenv(apiKeyEnv);
                if (key == null || key.isBlank()) {
                    throw new UserError("environment variable " + apiKeyEnv + " (from --api-key-env) is not set");
                }
                b.header("Authorization", "Bearer " + key);
            }
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
    }
}
