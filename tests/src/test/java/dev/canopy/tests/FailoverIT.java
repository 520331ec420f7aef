package dev.canopy.tests;

import com.fasterxml.jackson.databind.JsonNode;
import dev.canopy.tests.support.EndpointProbe;
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

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Availability under kill -9, with Canopy's default failover settings (nothing here shortens the
 * session timeout): the report answers every request while the fault lasts (data, data marked
 * {@code "partial"}, or 503 with Retry-After and a reason; never an empty reply or a hang), a dead peer
 * makes the survivor's report partial rather than failing it, a restarted instance and a survivor are
 * back to RUNNING on their own within a generous bound, and the end result still equals replay.
 * Each test prints a line starting with "FAULT" with its figures (see BENCHMARKS.md, "Faults").
 */
class FailoverIT {

    private static final TestTopics TOPICS = TestTopics.prefixed("failover");
    private static final int PARTITIONS = 4;
    /**
     * Generous: the defaults give about 15-25 s on a loaded two-core machine, JVM start included (see
     * BENCHMARKS.md, "Faults"); this only says that failover happens without anyone's help.
     */
    private static final Duration BOUND = Duration.ofSeconds(60);
    private static final Duration PROBE_INTERVAL = Duration.ofMillis(100);

    @TempDir
    static Path tmp;
    @RegisterExtension
    static final EmbeddedBroker BROKER = new EmbeddedBroker();
    private final List<MonitorProcess> monitors = new ArrayList<>();

    @BeforeAll
    static void requireTheJar() {
        MonitorProcess.jar();
    }

    @AfterEach
    void stopMonitors() {
        for (MonitorProcess m : monitors) {
            m.close();
        }
        monitors.clear();
    }

    private static List<String> args(String applicationId, Path stateDir, String topicsPrefix) {
        Map<String, String> settings = new HashMap<>(TestTopics.prefixed(topicsPrefix).settings());
        settings.put("canopy.topic.partitions", Integer.toString(PARTITIONS));
        Path config = Monitors.propertiesFile(stateDir, settings);
        return List.of("--bootstrap-servers", BROKER.bootstrapServers(), "--application-id", applicationId,
                "--state-dir", stateDir.toString(), "--config", config.toString());
    }

    private MonitorProcess start(List<String> args, Path log) {
        MonitorProcess m = MonitorProcess.startRun(args, log);
        monitors.add(m);
        return m;
    }

    private static void assertEveryRequestAnswered(EndpointProbe probe, String during, MonitorProcess... logs) {
        List<EndpointProbe.Outcome> bad = probe.failures();
        if (!bad.isEmpty()) {
            StringBuilder sb = new StringBuilder(bad.size() + " of " + probe.outcomes().size()
                    + " report requests " + during + " got neither data nor 503 with Retry-After and a reason:");
            bad.stream().limit(10).forEach(o -> sb.append("\n  ").append(o));
            for (MonitorProcess m : logs) {
                sb.append("\n--- log of pid ").append(m.pid()).append(" ---\n").append(m.logTail());
            }
            throw new AssertionError(sb.toString());
        }
        assertFalse(probe.outcomes().isEmpty(), "the probe got answers " + during);
    }

    @Test
    void shouldAnswerEveryRequestAndBeRunningSoonAfterKillAndRestart() throws Exception {
        String prefix = "failover-restart";
        EventLog events = EventLog.of(Fleets.twoModelsTwoReleases(23, "restart-", 4, 25).build()).orderInsensitive(PARTITIONS);
        Kafka.createTopics(BROKER.bootstrapServers(), PARTITIONS, TestTopics.prefixed(prefix).tokens());
        EventLog firstHalf = events.slice(0, events.size() / 2);
        EventLog secondHalf = events.slice(events.size() / 2, events.size());
        Path state = tmp.resolve("restart-state");
        Path log = tmp.resolve("restart.log");
        List<String> args = args("failover-restart", state, prefix);

        MonitorProcess first = start(args, log);
        first.awaitReady();
        Kafka.send(BROKER.bootstrapServers(), TestTopics.prefixed(prefix).tokens(), firstHalf);
        // the rollouts the cut leaves incomplete are not abandoned by the monitor until their idle timeout
        long completed = Reports.totals(firstHalf.replayJson()).rollouts();
        Poll.until("the first instance to count the first half's completed rollouts", Duration.ofSeconds(120),
                () -> Reports.totals(Http.getOk(first.httpPort(), "/api/v1/report")).rollouts() == completed);

        first.kill();
        long killedAt = System.nanoTime();
        MonitorProcess second = start(args, log);
        EndpointProbe probe = EndpointProbe.start(second.httpPort(), "/api/v1/report", PROBE_INTERVAL);
        long readyMs;
        try {
            second.awaitReady();
            readyMs = (System.nanoTime() - killedAt) / 1_000_000;
            Thread.sleep(1_000);
        } finally {
            probe.close();
        }
        System.out.println("FAULT restart after kill -9: RUNNING " + readyMs + " ms after the kill (JVM start included); "
                + "report while restarting: " + probe.summary());
        System.out.println("--- restart log ---\n" + java.nio.file.Files.readString(log).lines()
                .filter(l -> l.contains("MonitorApp") || l.contains("corrupted and") || l.contains("Wiping")).collect(java.util.stream.Collectors.joining("\n")));
        assertEveryRequestAnswered(probe, "while the killed instance restarted", second);
        assertTrue(readyMs < BOUND.toMillis(), "restart-to-RUNNING took " + readyMs + " ms\n" + second.logTail());

        Kafka.send(BROKER.bootstrapServers(), TestTopics.prefixed(prefix).tokens(), secondHalf);
        String body = Monitors.awaitReport(second.httpPort(), Reports.totals(events.replayJson()), Duration.ofSeconds(120));
        Reports.assertEquivalent(events.replayJson(), body);
    }

    @Test
    void shouldAnswerPartiallyWhileAPeerIsDeadAndTakeItsPartitionsOver() throws Exception {
        String prefix = "failover-pair";
        EventLog before = EventLog.of(Fleets.twoModelsTwoReleases(43, "pair-a-", 4, 20).build()).orderInsensitive(PARTITIONS);
        EventLog after = EventLog.of(Fleets.twoModelsTwoReleases(47, "pair-b-", 4, 20).build()).orderInsensitive(PARTITIONS);
        Kafka.createTopics(BROKER.bootstrapServers(), PARTITIONS, TestTopics.prefixed(prefix).tokens());
        MonitorProcess survivor = start(args("failover-pair", tmp.resolve("pair-a"), prefix), tmp.resolve("pair-a.log"));
        MonitorProcess victim = start(args("failover-pair", tmp.resolve("pair-b"), prefix), tmp.resolve("pair-b.log"));
        survivor.awaitReady();
        victim.awaitReady();
        Kafka.send(BROKER.bootstrapServers(), TestTopics.prefixed(prefix).tokens(), before);
        Reports.Totals beforeTotals = Reports.totals(before.replayJson());
        Poll.until("both instances to count every rollout", Duration.ofSeconds(120), () ->
                Reports.totals(Http.getOk(survivor.httpPort(), "/api/v1/report")).equals(beforeTotals)
                        && Reports.totals(Http.getOk(victim.httpPort(), "/api/v1/report")).equals(beforeTotals));
        Thread.sleep(8_000); // the aggregate emits every 5 s, and the exported series are refreshed from that every 2 s
        double victimHolds = localRollouts(victim);

        EndpointProbe probe = EndpointProbe.start(survivor.httpPort(), "/api/v1/report", PROBE_INTERVAL);
        List<EndpointProbe.Outcome> windows = new ArrayList<>();
        long killedAtMs;
        long takeoverMs;
        try {
            Thread.sleep(500);
            killedAtMs = probe.now();
            victim.kill();
            // the windows of a release held by the dead instance: 503 with a reason, never an empty reply
            for (String release : List.of("llama-3.1-8b-chat/ft-2026-11-20", "llama-3.1-8b-chat/ft-2026-12-04", "qwen-2.5-7b/r1", "qwen-2.5-7b/r2")) {
                String[] mr = release.split("/");
                windows.add(EndpointProbe.once(survivor.httpPort(), "/api/v1/windows?model=" + mr[0] + "&release=" + mr[1]));
            }
            // takeover: the survivor's report is whole again (no part missing) and counts everything
            Poll.until("the survivor to answer the whole report alone", BOUND.plusSeconds(60), () -> {
                String body = Http.getOk(survivor.httpPort(), "/api/v1/report");
                return !Reports.parse(body).path("partial").asBoolean(false) && Reports.totals(body).equals(beforeTotals)
                        && Http.get(survivor.httpPort(), "/readyz").ok();
            });
            takeoverMs = probe.now() - killedAtMs;
            Thread.sleep(1_000);
        } finally {
            probe.close();
        }
        List<EndpointProbe.Outcome> sinceKill = probe.outcomes().stream().filter(o -> o.atMs() >= killedAtMs).toList();
        Optional<EndpointProbe.Outcome> firstPartial = sinceKill.stream().filter(EndpointProbe.Outcome::partial).findFirst();
        System.out.println("FAULT survivor takeover after kill -9 of its peer: whole report again " + takeoverMs
                + " ms after the kill; first partial report " + firstPartial.map(o -> (o.atMs() - killedAtMs) + " ms").orElse("never")
                + " after (the dead one held " + (long) victimHolds + " rollouts); report meanwhile: " + probe.summary());
        assertEveryRequestAnswered(probe, "while the peer was dead", survivor);
        for (EndpointProbe.Outcome w : windows) {
            assertTrue(w.status() == 200 || w.wellFormedUnavailable(), "windows while the peer was dead: " + w);
        }
        assertTrue(firstPartial.isPresent(), "a report while the peer was dead said it was partial: " + sinceKill);
        JsonNode partial = firstPartial.get().json().orElseThrow();
        JsonNode missing = partial.path("unreachable").path(0);
        assertEquals("127.0.0.1:" + victim.httpPort(), missing.path("instance").asText(), partial.toString());
        assertTrue(missing.path("partitions").size() > 0 && missing.path("reason").isTextual(), partial.toString());
        if (victimHolds > 0) {
            assertTrue(Reports.totals(partial).rollouts() < beforeTotals.rollouts(), "the partial report lacks the dead instance's part");
        }
        long slowest = sinceKill.stream().mapToLong(EndpointProbe.Outcome::tookMs).max().orElse(0);
        assertTrue(slowest < EndpointProbe.REQUEST_TIMEOUT.toMillis(), "every answer came within the client's timeout: " + slowest + " ms");
        assertTrue(takeoverMs < BOUND.toMillis(), "survivor takeover took " + takeoverMs + " ms\n" + survivor.logTail());

        // the survivor goes on counting, exactly once
        Kafka.send(BROKER.bootstrapServers(), TestTopics.prefixed(prefix).tokens(), after);
        String all = before.plus(after).replayJson();
        String body = Monitors.awaitReport(survivor.httpPort(), Reports.totals(all), Duration.ofSeconds(120));
        Reports.assertEquivalent(all, body);
    }

    /** Rollouts in the groups this instance holds itself, from its Prometheus series. */
    private static double localRollouts(MonitorProcess m) throws Exception {
        String metrics = Http.getOk(m.httpPort(), "/metrics");
        double sum = 0;
        for (String line : metrics.split("\n")) {
            if (line.startsWith("canopy_rollouts_total{")) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }
}
