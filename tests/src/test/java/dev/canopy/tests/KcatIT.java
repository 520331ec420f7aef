package dev.canopy.tests;

import com.fasterxml.jackson.databind.JsonNode;
import dev.canopy.monitor.MonitorApp;
import dev.canopy.broker.EmbeddedKafkaBroker;
import dev.canopy.tests.support.Closeables;
import dev.canopy.tests.support.EventLog;
import dev.canopy.tests.support.Fleets;
import dev.canopy.tests.support.Kcat;
import dev.canopy.tests.support.Monitors;
import dev.canopy.tests.support.Reports;
import dev.canopy.tests.support.TestTopics;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Events produced by a client that is not Java (kcat, on librdkafka, with its own default partitioner)
 * are measured as the replay measures the same lines, and the dead-letter topic read back with kcat
 * carries the reason header. Every line has a key, as EVENTS.md asks of producers. Fails when kcat is
 * not installed: {@code apt-get install kcat}.
 */
class KcatIT {

    private static final TestTopics TOPICS = TestTopics.prefixed("kcat");
    private static final int PARTITIONS = 3;
    private static final Pattern REASON = Pattern.compile("canopy\\.reason=([a-z_]+)");

    @TempDir
    static Path tmp;
    private static EmbeddedKafkaBroker broker;
    private static MonitorApp monitor;
    private static EventLog events;

    @BeforeAll
    static void produceWithKcat() throws Exception {
        Kcat.executable();
        broker = EmbeddedKafkaBroker.builder().start();
        monitor = Monitors.startReady(Monitors.settings(broker.bootstrapServers(), "kcat-events", tmp.resolve("state"), TOPICS,
                Map.of("canopy.topic.partitions", Integer.toString(PARTITIONS)), Map.of()));
        events = EventLog.of(Fleets.twoModelsTwoReleases(41, "kcat-", 3, 20).nullKeyFraction(0).build()).orderInsensitive(PARTITIONS);
        StringBuilder lines = new StringBuilder();
        for (EventLog.Event e : events.events()) {
            String key = e.keyString();
            String value = new String(e.value(), StandardCharsets.UTF_8);
            assertTrue(key != null && !key.contains("\t") && !key.contains("\n") && !value.contains("\n"), "one line per record: " + value);
            lines.append(key).append('\t').append(value).append('\n');
        }
        Path file = tmp.resolve("events.tsv");
        Files.writeString(file, lines, StandardCharsets.UTF_8);
        Kcat.Result produced = Kcat.run(120, "-P", "-b", broker.bootstrapServers(), "-t", TOPICS.tokens(), "-K", "\t",
                "-X", "enable.idempotence=true", "-l", file.toString());
        assertEquals(0, produced.exitCode(), "kcat -P failed: " + produced.err());
    }

    @AfterAll
    static void stop() {
        Closeables.closeAll(monitor, broker);
    }

    @Test
    void shouldMeasureKcatProducedLinesAsReplayDoes() {
        String expected = events.replayJson();
        assertTrue(Reports.totals(expected).rejected() > 0, "the lines include malformed records");
        String streamed = Monitors.awaitReport(monitor.httpPort(), Reports.totals(expected), Duration.ofSeconds(120));
        Reports.assertEquivalent(expected, streamed);
    }

    @Test
    void shouldShowTheReasonHeaderOnDeadLettersReadWithKcat() throws Exception {
        String expected = events.replayJson();
        // Once the report counts every rejection, every dead letter has been committed.
        Monitors.awaitReport(monitor.httpPort(), Reports.totals(expected), Duration.ofSeconds(120));
        Kcat.Result read = Kcat.run(60, "-C", "-b", broker.bootstrapServers(), "-t", TOPICS.deadLetter(), "-o", "beginning", "-e",
                "-X", "isolation.level=read_committed", "-f", "%h %s\\n");
        assertEquals(0, read.exitCode(), "kcat -C failed: " + read.err());

        Set<String> malformed = new HashSet<>();
        for (EventLog.Event e : events.events()) {
            malformed.add(new String(e.value(), StandardCharsets.UTF_8));
        }
        Map<String, Long> reasons = new TreeMap<>();
        List<String> lines = new ArrayList<>(read.out().lines().filter(l -> !l.isBlank()).toList());
        for (String line : lines) {
            Matcher m = REASON.matcher(line);
            assertTrue(m.find(), "a dead letter without canopy.reason header: " + line);
            reasons.merge(m.group(1), 1L, Long::sum);
            assertTrue(line.contains("canopy.source.topic=" + TOPICS.tokens()), "source topic header: " + line);
            assertTrue(malformed.stream().anyMatch(v -> line.endsWith(" " + v)), "the original value follows the headers: " + line);
        }
        JsonNode byReason = Reports.parse(expected).path("rejected_by_reason");
        Map<String, Long> want = new TreeMap<>();
        byReason.properties().forEach(f -> want.put(f.getKey(), f.getValue().asLong()));
        assertFalse(want.isEmpty());
        assertEquals(want, reasons, "dead letters by canopy.reason header");
    }
}
