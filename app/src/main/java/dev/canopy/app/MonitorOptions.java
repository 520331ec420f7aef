package dev.canopy.app;

import dev.canopy.core.UserError;
import dev.canopy.core.config.CanopyConfig;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Flags of a monitor instance; each maps to a canopy.* key ({@link CanopyConfig}, documented in
 * docs/configuration.md) and overrides file and environment.
 */
public final class MonitorOptions {

    @Mixin
    KafkaOptions kafka = new KafkaOptions();

    @Option(names = "--http-port", paramLabel = "PORT", description = "Port of the HTTP API and /metrics (0 picks a free port).")
    Integer httpPort;

    @Option(names = "--http-host", paramLabel = "ADDRESS", description = "Address to bind the HTTP API to (0.0.0.0 in containers).")
    String httpHost;

    @Option(names = "--application-id", paramLabel = "ID", description = "Kafka Streams application id; instances sharing it split the work.")
    String applicationId;

    @Option(names = "--state-dir", paramLabel = "DIR", description = "Kafka Streams state directory.")
    Path stateDir;

    @Option(names = "--semantic", description = "Measure semantic diversity from the events' text: keeps generated "
            + "text of in-flight rollouts and embeds completed ones with an in-process model. Off by default.")
    Boolean semantic;

    @Option(names = "--config", paramLabel = "FILE", description = "Properties file: canopy.* keys and Kafka client settings (security.protocol, sasl.*, ssl.*).")
    Path config;

    public Map<String, String> flags() {
        Map<String, String> f = new HashMap<>();
        put(f, CanopyConfig.BOOTSTRAP_SERVERS.name(), kafka.given());
        put(f, CanopyConfig.HTTP_PORT.name(), httpPort == null ? null : httpPort.toString());
        put(f, CanopyConfig.HTTP_HOST.name(), httpHost);
        put(f, CanopyConfig.APPLICATION_ID.name(), applicationId);
        put(f, CanopyConfig.STATE_DIR.name(), stateDir == null ? null : stateDir.toString());
        put(f, CanopyConfig.SEMANTIC_ENABLED.name(), semantic == null ? null : semantic.toString());
        return f;
    }

    private static void put(Map<String, String> f, String key, String value) {
        if (value != null) {
            f.put(key, value);
        }
    }

    public Path configFile() {
        if (config != null && !java.nio.file.Files.isRegularFile(config)) {
            throw new UserError("config file not found: " + config + " (check --config)");
        }
        return config;
    }
}
