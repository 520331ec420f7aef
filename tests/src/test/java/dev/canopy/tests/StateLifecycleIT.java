package dev.canopy.tests;

import dev.canopy.broker.EmbeddedKafkaBroker;
import dev.canopy.tests.support.EventLog;
import dev.canopy.tests.support.Fleets;
import dev.canopy.tests.support.Kafka;
import dev.canopy.tests.support.MonitorProcess;
import dev.canopy.tests.support.Monitors;
import dev.canopy.tests.support.Poll;
import dev.canopy.tests.support.Reports;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code canopy run} in child processes across broker restarts: the local state belongs to one Kafka
 * cluster, and a monitor whose stream processing dies ends its process with a one-line reason instead
 * of serving an empty report forever.
 */
class StateLifecycleIT {

    private static final int PARTITIONS = 3;
    private static final Duration EXIT_TIMEOUT = Duration.ofSeconds(120);

    @TempDir
    Path tmp;
    private final List<AutoCloseable> started = new ArrayList<>();

    @AfterEach
    void stopAll() throws Exception {
        for (int i = started.size() - 1; i >= 0; i--) {
            started.get(i).close();
        }
    }

    private EmbeddedKafkaBroker broker() {
        EmbeddedKafkaBroker b = EmbeddedKafkaBroker.builder().start();
        started.add(b);
        Kafka.createTopics(b.bootstrapServers(), PARTITIONS, "canopy.tokens");
        return b;
    }

    private MonitorProcess monitor(List<String> jvm, List<String> args, String log) {
        MonitorProcess m = MonitorProcess.startRun(jvm, args, tmp.resolve(log));
        started.add(m);
        return m;
    }

    private static EventLog fleet(long seed, String prefix) {
        return EventLog.of(Fleets.twoModelsTwoReleases(seed, prefix, 3, 20).build()).orderInsensitive(PARTITIONS);
    }

    /** Sends the events and waits until the monitor reports exactly what the replay of them reports. */
    private static void assertReportsExactly(MonitorProcess monitor, String bootstrap, EventLog events) {
        String expected = events.replayJson();
        Kafka.send(bootstrap, "canopy.tokens", events);
        String streamed;
        try {
            streamed = Monitors.awaitReport(monitor.httpPort(), Reports.totals(expected), Duration.ofSeconds(120));
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\n--- monitor log ---\n" + monitor.logTail(), e);
        }
        Reports.assertEquivalent(expected, streamed);
    }

    /** The lines the application itself printed (its errors and notices start with "canopy: "). */
    private static List<String> canopyLines(MonitorProcess m) {
        return m.logLines().stream().filter(l -> l.startsWith("canopy: ")).toList();
    }

    @Test
    void shouldRebuildFromTheNewClusterWhenTheBrokerIsReplacedUnderDefaultSettings() throws Exception {
        // Defaults throughout, as a new user runs it: only the home directory is the test's own.
        List<String> jvm = List.of("-Duser.home=" + tmp.resolve("home"));
        EmbeddedKafkaBroker a = broker();
        MonitorProcess first = monitor(jvm, List.of("--bootstrap-servers", a.bootstrapServers()), "first.log");
        first.awaitReady();
        assertReportsExactly(first, a.bootstrapServers(), fleet(31, "a-"));
        // the global releases store has read A's inferred releases, so its checkpoint is past B's empty topic
        Poll.until("releases inferred on cluster A", Duration.ofSeconds(60),
                () -> !Kafka.readCommitted(a.bootstrapServers(), "canopy.releases", Duration.ofSeconds(30)).isEmpty());
        first.close();
        String clusterA = a.clusterId();
        a.close();
        Path stateDir = tmp.resolve("home").resolve(".canopy").resolve("state").resolve("canopy-monitor");
        assertTrue(Files.readString(stateDir.resolve("canopy-cluster.properties")).contains(clusterA), "the default state directory is stamped");

        EmbeddedKafkaBroker b = broker();
        MonitorProcess second = monitor(jvm, List.of("--bootstrap-servers", b.bootstrapServers()), "second.log");
        second.awaitReady();
        assertReportsExactly(second, b.bootstrapServers(), fleet(47, "b-"));
        assertTrue(second.logLines().stream().anyMatch(l -> l.contains("built from Kafka cluster " + clusterA)
                        && l.contains(b.clusterId()) && l.contains(stateDir.toString())),
                "one INFO line says the state was rebuilt:\n" + second.logTail());
        assertTrue(Files.readString(stateDir.resolve("canopy-cluster.properties")).contains(b.clusterId()));
    }

    @Test
    void shouldRefuseStateThatNamesNoClusterWithOneLineAndExitTwo() throws Exception {
        EmbeddedKafkaBroker broker = broker();
        Path state = tmp.resolve("state");
        List<String> args = List.of("--bootstrap-servers", broker.bootstrapServers(), "--state-dir", state.toString());
        MonitorProcess first = monitor(List.of(), args, "first.log");
        first.awaitReady();
        assertReportsExactly(first, broker.bootstrapServers(), fleet(5, "r-"));
        first.close();
        // state as a Canopy before the stamp (or another program) left it
        Files.delete(state.resolve("canopy-monitor").resolve("canopy-cluster.properties"));

        MonitorProcess second = monitor(List.of(), args, "second.log");
        assertEquals(2, second.awaitExit(EXIT_TIMEOUT), second.logTail());
        List<String> lines = canopyLines(second);
        assertEquals(1, lines.size(), "one line:\n" + second.logTail());
        assertTrue(lines.get(0).contains(state.resolve("canopy-monitor").toString()) && lines.get(0).contains("--state-dir"), lines.get(0));
        assertFalse(second.logLines().stream().anyMatch(l -> l.startsWith("\tat ")), "no stack trace:\n" + second.logTail());
        assertTrue(Files.isDirectory(state.resolve("canopy-monitor")), "nothing was deleted");
    }

    @Test
    void shouldExitNonZeroWithOneLineWhenStreamProcessingDiesAndRecoverOnRestart() throws Exception {
        EmbeddedKafkaBroker broker = broker();
        Path state = tmp.resolve("state");
        List<String> args = List.of("--bootstrap-servers", broker.bootstrapServers(), "--state-dir", state.toString());
        MonitorProcess first = monitor(List.of(), args, "first.log");
        first.awaitReady();
        EventLog events = fleet(9, "e-");
        assertReportsExactly(first, broker.bootstrapServers(), events);
        Poll.until("releases inferred", Duration.ofSeconds(60),
                () -> !Kafka.readCommitted(broker.bootstrapServers(), "canopy.releases", Duration.ofSeconds(30)).isEmpty());
        first.close();

        // The releases topic is deleted while the monitor is stopped (the monitor creates it again, empty):
        // the global store's checkpoint now lies past the topic's end, which Kafka Streams cannot resume from.
        deleteTopic(broker.bootstrapServers(), "canopy.releases");
        MonitorProcess second = monitor(List.of(), args, "second.log");
        assertEquals(1, second.awaitExit(EXIT_TIMEOUT), second.logTail());
        List<String> lines = canopyLines(second).stream().filter(l -> l.contains("stopped reading")).toList();
        assertEquals(1, lines.size(), "one line names the failure:\n" + second.logTail());
        assertTrue(lines.get(0).contains("exiting with status 1"), lines.get(0));

        // what a supervisor does next: start it again; Kafka Streams has cleaned the inconsistent state
        MonitorProcess third = monitor(List.of(), args, "third.log");
        third.awaitReady();
        Monitors.awaitReport(third.httpPort(), Reports.totals(events.replayJson()), Duration.ofSeconds(120));
    }

    @Test
    void shouldExitWhenStreamThreadsKeepFailingInsteadOfReplacingThemForever() throws Exception {
        EmbeddedKafkaBroker broker = broker();
        List<String> args = List.of("--bootstrap-servers", broker.bootstrapServers(), "--state-dir", tmp.resolve("state").toString());
        MonitorProcess monitor = monitor(List.of(), args, "monitor.log");
        monitor.awaitReady();
        // without its input topic every stream thread fails at each rebalance, however often it is replaced
        deleteTopic(broker.bootstrapServers(), "canopy.tokens");
        assertEquals(1, monitor.awaitExit(Duration.ofSeconds(300)), monitor.logTail());
        List<String> lines = canopyLines(monitor).stream().filter(l -> l.contains("stopped reading")).toList();
        assertEquals(1, lines.size(), "one line names the failure:\n" + monitor.logTail());
        assertTrue(monitor.logLines().stream().anyMatch(l -> l.contains("stream thread failed 5 times within")), monitor.logTail());
    }

    private static void deleteTopic(String bootstrap, String topic) throws Exception {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(p)) {
            admin.deleteTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
            Poll.until(topic + " to be gone", Duration.ofSeconds(60), () -> !admin.listTopics().names().get(30, TimeUnit.SECONDS).contains(topic));
        }
    }
}
