package dev.canopy.app.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The history stage's tables, targets and JSON, from a result made up here. */
class HistoryReportTest {

    private static HistoryResult result(double secondRate, long peakRss) {
        HistoryResult h = new HistoryResult();
        h.historyRecords = 1_100_000;
        h.historyTokens = 34_000_000;
        h.historyRollouts = 1_000_000;
        h.historySeconds = 1000;
        h.historyLoadAverage = 3.5;
        h.windows.add(new HistoryResult.Window(10_000, 300_000, 300_000, 8_000, 5, 60_000, 2.0, 30_000_000, 2, 0.02, 0));
        h.windows.add(new HistoryResult.Window(1_000_000, 300_000, 300_000, 8_000, 300_000 / secondRate, secondRate, 2.5, 36_000_000,
                6, 1.5, 1));
        h.stores.add(new HistoryResult.Store("canopy-groups", true, 1_700_000_000, 1_000_000, 40_000_000, 16_000));
        h.stores.add(new HistoryResult.Store("canopy-windows", true, 2_580_000_000L, 1_000_000, 26_000_000, 16_000));
        h.stores.add(new HistoryResult.Store("KSTREAM-0001 (repartition)", false, 0, 1_000_000, 0, 16_000));
        h.peakRssBytes = peakRss;
        h.lastRssBytes = 700L << 20;
        h.recoveries.add(new HistoryResult.Recovery("restart after SIGKILL, same state directory, alone", 19.2, 30.8, 1_000_000));
        h.recoveries.add(new HistoryResult.Recovery("takeover by a second instance with standby replicas", Double.NaN, 17.0, 1_000_000));
        h.note = "the second instance ran 40 s before the kill";
        return h;
    }

    private static String print(HistoryResult h) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        HistoryReport.print(new PrintStream(bytes, true, StandardCharsets.UTF_8), h);
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void shouldPrintBothWindowsAndTheRatioOfTheirRates() {
        String out = print(result(57_000, 900L << 20));
        assertTrue(out.contains("after 10.0k rollouts"), out);
        assertTrue(out.contains("after 1.00M rollouts"), out);
        assertTrue(out.contains("rate after the long history / after the short one: 0.95x"), out);
        // 30 MB of changelog over 300k tokens
        assertTrue(out.lines().anyMatch(l -> l.startsWith("after 10.0k rollouts") && l.contains(" 100 ")), out);
        // 6 emits of 1.5 s in all, one of them long enough to delay the next
        assertTrue(out.lines().anyMatch(l -> l.startsWith("after 1.00M rollouts") && l.matches(".* 6 +0\\.250s +1$")), out);
    }

    @Test
    void shouldPrintBytesPerTokenAndPerRolloutOfEveryChangelogAndTheirSum() {
        String out = print(result(57_000, 900L << 20));
        String all = out.lines().filter(l -> l.startsWith("all changelogs")).findFirst().orElseThrow();
        // 4.28 GB over 34M tokens and 1M rollouts; 66 MB over 600k tokens and 16k rollouts
        assertTrue(all.contains("4,280,000,000") && all.contains("125.9") && all.contains("4280"), all);
        assertTrue(all.contains("66,000,000") && all.contains("110.0") && all.contains("4125"), all);
        String repartition = out.lines().filter(l -> l.startsWith("KSTREAM-0001 (repartition)")).findFirst().orElseThrow();
        assertTrue(repartition.contains("1,000,000 r"), "repartition topics in records: " + repartition);
    }

    @Test
    void shouldPrintTheResidentSetAndBothRecoveries() {
        String out = print(result(57_000, 900L << 20));
        assertTrue(out.contains("peak 900 MiB"), out);
        String restart = out.lines().filter(l -> l.startsWith("restart after SIGKILL")).findFirst().orElseThrow();
        assertTrue(restart.contains("19.2") && restart.contains("30.8") && restart.contains("1,000,000"), restart);
        String takeover = out.lines().filter(l -> l.startsWith("takeover")).findFirst().orElseThrow();
        assertTrue(takeover.contains("already") && takeover.contains("17.0"), takeover);
        assertTrue(out.contains("(the second instance ran 40 s before the kill)"), out);
    }

    @Test
    void shouldMeetTheTargetsOnlyWhenTheRateHoldsAndTheJvmStaysUnderOneGib() {
        List<BenchResults.Target> met = HistoryReport.targets(result(57_000, 900L << 20));
        assertEquals(2, met.size());
        assertTrue(met.stream().allMatch(BenchResults.Target::met), met.toString());
        List<BenchResults.Target> missed = HistoryReport.targets(result(24_600, 2048L << 20));
        assertTrue(missed.stream().noneMatch(BenchResults.Target::met), missed.toString());
        assertEquals("0.41x", missed.get(0).measured());
        assertEquals("2048 MiB", missed.get(1).measured());
    }

    @Test
    void shouldLeaveOutTheRateTargetWithOneWindow() {
        HistoryResult h = result(57_000, 0);
        h.windows.remove(1);
        assertTrue(HistoryReport.targets(h).isEmpty());
        assertFalse(print(h).contains("rate after the long history"));
    }

    @Test
    void shouldGoIntoTheJsonOfTheRun() throws Exception {
        BenchResults results = new BenchResults();
        results.history = result(57_000, 900L << 20);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        results.printJson(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        JsonNode history = new ObjectMapper().readTree(bytes.toString(StandardCharsets.UTF_8)).get("history");
        assertEquals(0.95, history.get("rate_ratio").asDouble(), 1e-9);
        assertEquals(2, history.get("windows").size());
        assertEquals(1_000_000, history.get("windows").get(1).get("after_rollouts").asLong());
        assertEquals(943718400L, history.get("peak_rss_bytes").asLong());
        assertEquals(3, history.get("stores").size());
    }
}
