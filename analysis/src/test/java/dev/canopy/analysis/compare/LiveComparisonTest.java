package dev.canopy.analysis.compare;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.canopy.core.UserError;
import dev.canopy.simulator.EstimatorMode;
import dev.canopy.simulator.ModelStyles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The web page's comparison is byte for byte what {@code canopy compare --from} writes for the same report. */
class LiveComparisonTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void shouldWriteTheCommandsCompareJsonForAMonitorsReport(@TempDir Path dir) throws Exception {
        Path events = SimulatedEvents.promptSet(dir.resolve("events.jsonl.gz"), 21, 24, 20, EstimatorMode.MIXED, "",
                "base-2026-11-01", ModelStyles.base(5, SimulatedEvents.VOCAB), "ft-2026-11-20", ModelStyles.tuned(6, SimulatedEvents.VOCAB));
        Path report = dir.resolve("report.json");
        assertEquals(0, CompareRun.run("replay", "--out", report.toString(), events.toString()).code());
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/api/v1/report", ex -> {
            byte[] body = Files.readAllBytes(report);
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(body);
            }
        });
        server.start();
        try {
            String from = "http://127.0.0.1:" + server.getAddress().getPort();
            Path out = dir.resolve("out");
            CompareRun r = CompareRun.run("compare", "--baseline", SimulatedEvents.MODEL + "@base-2026-11-01",
                    "--candidate", SimulatedEvents.MODEL + "@ft-2026-11-20", "--out", out.toString(), "--from", from);
            assertEquals(0, r.code(), r.err());
            byte[] live = LiveComparison.json(JSON.readTree(report.toFile()), URI.create(from + "/api/v1/report"), SimulatedEvents.MODEL,
                    "base-2026-11-01", "ft-2026-11-20");
            assertEquals(Files.readString(out.resolve("compare.json")), new String(live, java.nio.charset.StandardCharsets.UTF_8));
        } finally {
            server.stop(0);
        }
    }

    @Test
    void shouldRefuseTrafficWithoutPromptIdsAndTheSameReleaseTwice(@TempDir Path dir) throws Exception {
        Path traffic = SimulatedEvents.traffic(dir.resolve("traffic.jsonl"), 12, 400,
                "base-2026-11-01", ModelStyles.base(5, SimulatedEvents.VOCAB), "ft-2026-11-20", ModelStyles.tuned(6, SimulatedEvents.VOCAB));
        Path report = dir.resolve("traffic.json");
        assertEquals(0, CompareRun.run("replay", "--out", report.toString(), traffic.toString()).code());
        URI uri = URI.create("http://127.0.0.1:1/api/v1/report");
        UserError e = assertThrows(UserError.class, () -> LiveComparison.json(JSON.readTree(report.toFile()), uri, SimulatedEvents.MODEL,
                "base-2026-11-01", "ft-2026-11-20"));
        assertTrue(e.getMessage().contains("event files"), e.getMessage());
        UserError same = assertThrows(UserError.class, () -> LiveComparison.json(JSON.readTree(report.toFile()), uri, SimulatedEvents.MODEL,
                "base-2026-11-01", "base-2026-11-01"));
        assertTrue(same.getMessage().contains("two different releases"), same.getMessage());
    }
}
