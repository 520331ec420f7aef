package dev.canopy.simulator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FleetFilesTest {

    private static SimulatedFleet fleet() {
        return SimulatedFleet.builder().seed(4).stream("m", "r", ModelStyles.tuned(4, 16))
                .promptSet(3, 4).shuffleWindow(3).malformedFraction(0.05).estimator(EstimatorMode.MIXED).build();
    }

    private static List<String> lines(Path p) throws IOException {
        try (InputStream raw = Files.newInputStream(p);
             InputStream in = p.toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw;
             BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            return r.lines().toList();
        }
    }

    @Test
    void jsonlAndGzipFilesHoldOneEmittedValuePerLineInOrder(@TempDir Path dir) throws IOException {
        List<byte[]> values = new ArrayList<>();
        fleet().emit((k, v) -> values.add(v));
        for (String name : new String[] {"events.jsonl", "events.jsonl.gz"}) {
            Path p = dir.resolve(name);
            FleetStats stats = FleetFiles.write(p, fleet());
            List<String> lines = lines(p);
            assertEquals(values.size(), lines.size());
            assertEquals(stats.records(), lines.size());
            for (int i = 0; i < lines.size(); i++) {
                assertArrayEquals(values.get(i), lines.get(i).getBytes(StandardCharsets.UTF_8));
            }
        }
        Path limited = dir.resolve("head.jsonl");
        assertEquals(10, FleetFiles.write(limited, fleet(), 10).records());
        assertEquals(10, lines(limited).size());
    }
}
