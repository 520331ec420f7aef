package dev.canopy.app;

import dev.canopy.topology.config.KafkaClientSettings;
import org.apache.kafka.clients.CommonClientConfigs;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.util.Map;
import java.util.Properties;

/**
 * How a command reaches Kafka: the {@code --bootstrap-servers} flag and, for everything else
 * (security, SASL, SSL, any producer, consumer or admin setting), the {@code KAFKA_*} environment
 * variables, read through {@link KafkaClientSettings} the same way by every command that talks to
 * Kafka ({@code run}, {@code fleet}, {@code proxy}, {@code probe}, {@code release}).
 */
public final class KafkaOptions {

    private static final String BOOTSTRAP_FLAG = "--bootstrap-servers";

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    @Option(names = BOOTSTRAP_FLAG, paramLabel = "HOST:PORT", description = "Kafka bootstrap servers.")
    String bootstrapServers;

    /** The flag's value as given, or null (the monitor may take it from its config file or environment). */
    public String given() {
        return bootstrapServers;
    }

    /**
     * The bootstrap servers, for commands that require the flag.
     *
     * @throws ParameterException (a usage error, exit code 2) if the flag is missing or blank
     */
    public String bootstrapServers() {
        if (bootstrapServers == null || bootstrapServers.isBlank()) {
            throw new ParameterException(command.commandLine(), "Missing required option: '" + BOOTSTRAP_FLAG + "=HOST:PORT'");
        }
        return bootstrapServers;
    }

    /** Client properties from the process environment's {@code KAFKA_*} variables and the bootstrap servers. */
    public Properties clientProperties() {
        return clientProperties(System.getenv());
    }

    /** Client properties from {@code env}'s {@code KAFKA_*} variables and the bootstrap servers. */
    public Properties clientProperties(Map<String, String> env) {
        Properties p = new Properties();
        p.putAll(KafkaClientSettings.fromEnvironment(env));
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        return p;
    }
}
