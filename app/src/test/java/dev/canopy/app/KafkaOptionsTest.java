package dev.canopy.app;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every command that talks to Kafka takes {@code --bootstrap-servers} and the {@code KAFKA_*}
 * environment through {@link KafkaOptions}, and reports a missing or bad setting as a usage error.
 */
class KafkaOptionsTest {

    /** Each command that talks to Kafka, with the other options it requires. */
    private static final List<List<String>> KAFKA_COMMANDS = List.of(
            List.of("run"),
            List.of("fleet"),
            List.of("proxy", "--upstream", "http://127.0.0.1:1", "--release", "r1"),
            List.of("probe", "--endpoint", "http://127.0.0.1:1/v1", "--model", "m", "--release", "r1"),
            List.of("release", "announce", "--model", "m", "--release", "r1"),
            List.of("release", "list"));

    private static final Map<String, String> ENV = Map.of(
            "KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
            "KAFKA_SASL_MECHANISM", "PLAIN",
            "KAFKA_MAX_REQUEST_SIZE", "2097152",
            "KAFKA_HEAP_OPTS", "-Xmx1g",
            "PATH", "/usr/bin");

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Canopy.execute(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    /** The command's KafkaOptions after parsing {@code args}, found among its (possibly nested) mixins. */
    private static KafkaOptions parsed(List<String> args) {
        CommandLine cli = new CommandLine(new Canopy());
        CommandLine.ParseResult result = cli.parseArgs(args.toArray(String[]::new));
        while (result.hasSubcommand()) {
            result = result.subcommand();
        }
        KafkaOptions found = find(result.commandSpec());
        assertNotNull(found, args + " has no KafkaOptions");
        return found;
    }

    private static KafkaOptions find(CommandSpec spec) {
        for (CommandSpec mixin : spec.mixins().values()) {
            if (mixin.userObject() instanceof KafkaOptions k) {
                return k;
            }
            KafkaOptions nested = find(mixin);
            if (nested != null) {
                return nested;
            }
        }
        return null;
    }

    @Test
    void everyKafkaCommandPassesAnyKafkaClientVariableThrough() {
        for (List<String> command : KAFKA_COMMANDS) {
            List<String> args = new ArrayList<>(command);
            args.addAll(List.of("--bootstrap-servers", "kafka-1:9092"));
            Properties p = parsed(args).clientProperties(ENV);
            assertEquals("kafka-1:9092", p.get("bootstrap.servers"), command.toString());
            assertEquals("SASL_SSL", p.get("security.protocol"), command.toString());
            assertEquals("PLAIN", p.get("sasl.mechanism"), command.toString());
            assertEquals("2097152", p.get("max.request.size"), command + ": any client setting, not only security ones");
            assertFalse(p.containsKey("heap.opts"), command + ": KAFKA_* variables that name no client setting are ignored");
            assertEquals(4, p.size(), command + ": " + p);
        }
    }

    @Test
    void theFlagBeatsAKafkaBootstrapVariable() {
        Properties p = parsed(List.of("fleet", "--bootstrap-servers", "flag:9092"))
                .clientProperties(Map.of("KAFKA_BOOTSTRAP_SERVERS", "env:9092"));
        assertEquals("flag:9092", p.get("bootstrap.servers"));
    }

    @Test
    void aCommandWithoutBootstrapServersIsAUsageErrorThatNamesTheFlag() {
        for (List<String> command : KAFKA_COMMANDS) {
            Run r = run(command.toArray(String[]::new));
            assertEquals(2, r.code(), command + ": " + r.err());
            assertTrue(r.err().contains("--bootstrap-servers"), command + ": " + r.err());
            assertFalse(r.err().contains("\tat "), command + ": no stack trace: " + r.err());
        }
    }

    @Test
    void runRejectsAnUnknownCanopyKeyInItsConfigFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("canopy.properties");
        Files.writeString(file, "canopy.window.sise=2h\n");
        Run r = run("run", "--bootstrap-servers", "127.0.0.1:1", "--config", file.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("canopy.window.sise"), r.err());
        assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
    }

    @Test
    void runRejectsANegativeGraceOrReleaseTtlNamingTheKeyAndTheFix(@TempDir Path dir) throws IOException {
        for (String line : new String[] {"canopy.window.grace=-PT1M", "canopy.metrics.release.ttl=-P1D"}) {
            Path file = dir.resolve("canopy.properties");
            Files.writeString(file, line + "\n");
            Run r = run("run", "--bootstrap-servers", "127.0.0.1:1", "--config", file.toString());
            String key = line.substring(0, line.indexOf('='));
            assertEquals(2, r.code(), r.err());
            assertTrue(r.err().contains(key) && r.err().contains("use a duration that is not negative"), r.err());
            assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
            assertFalse(r.err().contains("\tat "), r.err());
        }
    }
}
