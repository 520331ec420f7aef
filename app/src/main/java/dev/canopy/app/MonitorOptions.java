package dev.canopy.app;

import dev.canopy.core.UserError;

import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** Flags of a monitor instance; each maps to a canopy.* key and overrides file and environment. */
public final class MonitorOptions {

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT", description = "Kafka bootstrap servers (canopy.bootstrap.servers).")
    String bootstrapServers;

    @Option(names = "--http-port", paramLabel = "PORT", description = "Port of the HTTP API and /metrics (canopy.http.port, default 9400; 0 picks a free port).")
    Integer httpPort;

    @Option(names = "--http-host", paramLabel = "ADDRESS", description = "Address to bind the HTTP API to (canopy.http.host, default 127.0.0.1; 0.0.0.0 in containers).")
    String httpHost;

    @Option(names = "--application-id", paramLabel = "ID", description = "Kafka Streams application id (canopy.application.id, default canopy-monitor).")
    String applicationId;

    @Option(names = "--state-dir", paramLabel = "DIR", description = "Kafka Streams state directory (canopy.state.dir).")
    Path stateDir;

    @Option(names = "--semantic", description = "Measure semantic diversity from the events' text (canopy.semantic.enabled): keeps generated "
            + "text of in-flight rollouts and embeds completed ones with an in-process model. Off by default.")
    Boolean semantic;

    @Option(names = "--config", paramLabel = "FILE", description = "Properties file: canopy.* keys and Kafka client settings (security.protocol, sasl.*, ssl.*).")
    Path config;

    public Map<String, String> flags() {
        Map<String, String> f = new HashMap<>();
        put(f, "canopy.bootstrap.servers", bootstrapServers);
        put(f, "canopy.http.port", httpPort == null ? null : httpPort.toString());
        put(f, "canopy.http.host", httpHost);
        put(f, "canopy.application.id", applicationId);
        put(f, "canopy.state.dir", stateDir == null ? null : stateDir.toString());
        put(f, "canopy.semantic.enabled", semantic == null ? null : semantic.toString());
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
