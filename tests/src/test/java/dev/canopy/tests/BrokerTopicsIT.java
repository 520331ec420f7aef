package dev.canopy.tests;

import dev.canopy.app.BrokerCommand;
import dev.canopy.monitor.MonitorApp;
import dev.canopy.monitor.MonitorSettings;
import dev.canopy.broker.EmbeddedKafkaBroker;
import dev.canopy.tests.support.Closeables;
import dev.canopy.tests.support.EventLog;
import dev.canopy.tests.support.Fleets;
import dev.canopy.tests.support.Kcat;
import dev.canopy.tests.support.Monitors;
import dev.canopy.tests.support.Reports;
import dev.canopy.tests.support.TestTopics;
import dev.canopy.topology.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code canopy broker} comes up with Canopy's topics, so a producer started before any monitor (kcat,
 * as a user would try first) is not refused with "Unknown topic or partition", and a monitor started
 * afterwards measures what it produced. Fails when kcat is not installed: {@code apt-get install kcat}.
 */
class BrokerTopicsIT {

    @TempDir
    Path tmp;
    private final List<AutoCloseable> started = new ArrayList<>();

    @AfterEach
    void stop() {
        for (int i = started.size() - 1; i >= 0; i--) {
            Closeables.closeAll(started.get(i));
        }
    }

    @Test
    void shouldComeUpWithCanopysTopicsSoKcatCanProduceBeforeTheMonitorHasEverRun() throws Exception {
        Kcat.executable();
        EmbeddedKafkaBroker broker = BrokerCommand.startWithTopics(0, null);
        started.add(broker);
        Topics topics = Topics.defaults();
        MonitorSettings defaults = MonitorSettings.resolve(Map.of("canopy.bootstrap.servers", broker.bootstrapServers()), Map.of(), null);
        assertEquals(topics, defaults.monitor().topics(), "the monitor's default topics are the topology's");

        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        try (Admin admin = Admin.create(p)) {
            Map<String, TopicDescription> described = admin.describeTopics(topics.all()).allTopicNames().get(60, TimeUnit.SECONDS);
            assertEquals(defaults.topicPartitions(), described.get(topics.tokens()).partitions().size(),
                    "partitions as the monitor would create them");
            Map<ConfigResource, Config> configs = admin.describeConfigs(List.of(
                    new ConfigResource(ConfigResource.Type.TOPIC, topics.releases()),
                    new ConfigResource(ConfigResource.Type.TOPIC, topics.deadLetter()))).all().get(60, TimeUnit.SECONDS);
            assertEquals(TopicConfig.CLEANUP_POLICY_COMPACT, configs.get(new ConfigResource(ConfigResource.Type.TOPIC, topics.releases()))
                    .get(TopicConfig.CLEANUP_POLICY_CONFIG).value(), "the releases topic is compacted");
            assertEquals(Long.toString(TimeUnit.DAYS.toMillis(14)), configs.get(new ConfigResource(ConfigResource.Type.TOPIC,
                    topics.deadLetter())).get(TopicConfig.RETENTION_MS_CONFIG).value(), "dead letters are kept 14 days");
        }

        // kcat first, before any monitor has run
        EventLog events = EventLog.of(Fleets.twoModelsTwoReleases(7, "early-", 2, 6).nullKeyFraction(0).build())
                .orderInsensitive(defaults.topicPartitions());
        StringBuilder lines = new StringBuilder();
        for (EventLog.Event e : events.events()) {
            lines.append(e.keyString()).append('\t').append(new String(e.value(), StandardCharsets.UTF_8)).append('\n');
        }
        Path file = tmp.resolve("events.tsv");
        Files.writeString(file, lines, StandardCharsets.UTF_8);
        Kcat.Result produced = Kcat.run(120, "-P", "-b", broker.bootstrapServers(), "-t", topics.tokens(), "-K", "\t",
                "-X", "enable.idempotence=true", "-l", file.toString());
        assertEquals(0, produced.exitCode(), "kcat -P failed: " + produced.err());

        // then the monitor, on the default topic names, measures what was produced before it started
        MonitorApp monitor = Monitors.startReady(Monitors.settings(broker.bootstrapServers(), "early-producer",
                tmp.resolve("state"), TestTopics.prefixed("canopy"), Map.of(), Map.of()));
        started.add(monitor);
        String expected = events.replayJson();
        assertTrue(Reports.totals(expected).rollouts() > 0);
        String streamed = Monitors.awaitReport(monitor.httpPort(), Reports.totals(expected), Duration.ofSeconds(120));
        Reports.assertEquivalent(expected, streamed);
    }
}
