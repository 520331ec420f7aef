package dev.canopy.tests;

import com.fasterxml.jackson.databind.JsonNode;
import dev.canopy.tests.support.EventLog;
import dev.canopy.tests.support.Fleets;
import dev.canopy.tests.support.Http;
import dev.canopy.tests.support.Kafka;
import dev.canopy.tests.support.MonitorProcess;
import dev.canopy.tests.support.Monitors;
import dev.canopy.tests.support.Poll;
import dev.canopy.tests.support.Reports;
import dev.canopy.tests.support.TestTopics;
import dev.canopy.testsupport.EmbeddedBroker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code canopy run} as a child process, killed with SIGKILL in the middle of the stream and started
 * again on the same application id and state directory, ends with exactly the replay's report: with
 * exactly-once processing (the default) nothing is lost and nothing is counted twice. Semantic
 * diversity is on, so the texts in flight and the embedded samples go through the crash too.
 */
class CrashRecoveryIT {

    private static final TestTopics TOPICS = TestTopics.prefixed("crash");
    private static final int PARTITIONS = 3;

    @TempDir
    static Path tmp;
    @RegisterExtension
    static final EmbeddedBroker BROKER = new EmbeddedBroker();
    private MonitorProcess monitor;

    @BeforeAll
    static void createTopics() {
        MonitorProcess.jar();
        Kafka.createTopics(BROKER.bootstrapServers(), PARTITIONS, TOPICS.tokens());
    }

    @AfterEach
    void stopMonitor() throws Exception {
        if (monitor != null) {
            monitor.close();
        }
        Path log = tmp.resolve("monitor.log");
        if (Files.exists(log)) {
            System.out.println("--- canopy run log ---\n" + Files.readString(log));
        }
    }

    @Test
    void shouldCountEveryRolloutOnceAfterSigkillAndRestart() throws Exception {
        EventLog events = EventLog.of(Fleets.twoModelsTwoReleases(23, "crash-", 4, 25).text(true).build()).orderInsensitive(PARTITIONS);
        String expected = events.replayJson();
        JsonNode expectedSemantic = Reports.parse(events.replaySemanticJson());
        Reports.Totals totals = Reports.totals(expected);
        EventLog firstHalf = events.slice(0, events.size() / 2);
        EventLog secondHalf = events.slice(events.size() / 2, events.size());

        // The killed instance never leaves its consumer group: a short session timeout lets the
        // restarted one take its partitions over after 6 s instead of the default 45 s.
        Map<String, String> settings = new HashMap<>(TOPICS.settings());
        settings.put("canopy.topic.partitions", Integer.toString(PARTITIONS));
        settings.put("canopy.semantic.enabled", "true");
        settings.put("canopy.semantic.max.rate", "1000000");
        settings.put("session.timeout.ms", "6000");
        settings.put("heartbeat.interval.ms", "1500");
        Path config = Monitors.propertiesFile(tmp.resolve("state"), settings);
        List<String> args = List.of("--bootstrap-servers", BROKER.bootstrapServers(), "--application-id", "crash-recovery",
                "--state-dir", tmp.resolve("state").toString(), "--config", config.toString());
        Path log = tmp.resolve("monitor.log");

        monitor = MonitorProcess.startRun(args, log);
        monitor.awaitReady();
        Kafka.send(BROKER.bootstrapServers(), TOPICS.tokens(), firstHalf);
        int port = monitor.httpPort();
        Reports.Totals before = Poll.until("the first instance to count some rollouts", Duration.ofSeconds(60),
                () -> Reports.totals(Http.getOk(port, "/api/v1/report")), t -> t.rollouts() > 0);
        monitor.kill();
        System.out.println(Instant.now() + " killed pid " + monitor.pid() + " at " + before + " of " + totals);
        assertTrue(before.rollouts() < totals.rollouts(), "killed mid-stream: " + before + " of " + totals);

        Kafka.send(BROKER.bootstrapServers(), TOPICS.tokens(), secondHalf);
        monitor = MonitorProcess.startRun(args, log);
        monitor.awaitReady();
        System.out.println(Instant.now() + " restarted instance ready");
        JsonNode streamed;
        try {
            streamed = Reports.awaitSemantic(monitor.httpPort(), expectedSemantic, Duration.ofSeconds(120));
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\n--- monitor log ---\n" + monitor.logTail(), e);
        }
        Reports.assertEquivalent(Reports.parse(expected), Reports.withoutSemantic(streamed), "report");
        Reports.assertSameSemantic(expectedSemantic, streamed);
    }
}
