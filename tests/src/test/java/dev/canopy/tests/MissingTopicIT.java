package dev.canopy.tests;

import dev.canopy.app.Canopy;
import dev.canopy.broker.EmbeddedKafkaBroker;
import dev.canopy.connectors.kafka.TopicCheck;
import dev.canopy.tests.support.FreePort;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Connectors started against a cluster that lacks their topic (and does not create topics on first
 * use) say which topic is missing, where, and how to create it, instead of retrying "unknown topic"
 * for ever; on a cluster that does create topics on first use they go ahead.
 */
class MissingTopicIT {

    private record Run(int code, String err) {
    }

    private static Run canopy(String... args) {
        PrintStream oldErr = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Canopy.execute(args);
            return new Run(code, err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(oldErr);
        }
    }

    @Test
    void shouldRefuseToStartTheFleetAndAProbeRoundNamingTheMissingTopicAndTheFix() throws Exception {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().start()) {
            String bs = broker.bootstrapServers();
            Run fleet = canopy("fleet", "--bootstrap-servers", bs, "--duration", "2s");
            assertEquals(2, fleet.code(), fleet.err());
            assertTrue(fleet.err().contains("Kafka topic 'canopy.tokens' does not exist on " + bs), fleet.err());
            assertTrue(fleet.err().contains("kafka-topics.sh --bootstrap-server " + bs + " --create --topic canopy.tokens"), fleet.err());
            assertFalse(fleet.err().contains("\tat "), "no stack trace for a missing topic");

            // before sending a single request to the (here unreachable) endpoint
            Run probe = canopy("probe", "--once", "--endpoint", "http://127.0.0.1:" + FreePort.pick() + "/v1", "--model", "m",
                    "--release", "r1", "--bootstrap-servers", bs, "--topic", "tokens-typo");
            assertEquals(2, probe.code(), probe.err());
            assertTrue(probe.err().contains("Kafka topic 'tokens-typo' does not exist on " + bs), probe.err());
            assertTrue(probe.err().contains("spelt as the monitor's canopy.topic.tokens"), probe.err());
            assertFalse(probe.err().contains("probe round"), "no round was run: " + probe.err());
        }
    }

    @Test
    void shouldLeaveAMissingTopicToAClusterThatCreatesTopicsOnFirstUse() {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().property("auto.create.topics.enable", "true").start();
             TopicCheck check = TopicCheck.admin(broker.bootstrapServers(), new Properties(), Duration.ofSeconds(10))) {
            assertNull(check.exists("created-on-first-use"), "not reported missing: the producer's first request creates it");
        }
    }
}
