package dev.canopy.app.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The streamed production-shape generator: the forms the server families send, thousands of rollouts in
 * flight, every release's whole prompt set, its own counts, and the same records for the same seed.
 */
class ProductionStreamTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Records of a stream until it carries {@code tokens} tokens. */
    private static List<byte[][]> records(ProductionStream stream, long tokens) {
        List<byte[][]> out = new ArrayList<>();
        while (stream.tokens() < tokens) {
            stream.next((k, v) -> out.add(new byte[][] {k, v}));
        }
        return out;
    }

    private static String shape(JsonNode n) {
        if (n.has("top_logprobs")) {
            return "top" + n.get("top_logprobs").size();
        }
        return n.has("entropy") ? "entropy" : "logprob";
    }

    @Test
    void shouldMixTopKOfFiveAndTwentyExactEntropiesAndLogprobOnlyEvents() throws IOException {
        Map<String, Integer> shapes = new HashMap<>();
        List<byte[][]> records = records(new ProductionStream(1, 100_000, 7, 0), 100_000);
        for (byte[][] r : records) {
            shapes.merge(shape(JSON.readTree(r[1])), 1, Integer::sum);
        }
        for (String s : List.of("top20", "top5", "entropy", "logprob")) {
            assertTrue(shapes.getOrDefault(s, 0) > records.size() / 50, "too few " + s + " events: " + shapes);
        }
    }

    @Test
    void shouldKeepThousandsOfRolloutsInFlightAsItStreams() {
        ProductionStream stream = new ProductionStream(1, 400_000, 7, 0);
        long maxInFlight = 0;
        long minInFlightPastStart = Long.MAX_VALUE;
        int n = 0;
        while (stream.tokens() < 400_000) {
            stream.next((k, v) -> { });
            n++;
            if (n % 1000 == 0) {
                long f = stream.inFlight();
                maxInFlight = Math.max(maxInFlight, f);
                if (stream.tokens() > 100_000 && stream.tokens() < 300_000) {
                    minInFlightPastStart = Math.min(minInFlightPastStart, f);
                }
            }
        }
        assertTrue(minInFlightPastStart >= 2_000, "in flight in the middle of the stream, at least: " + minInFlightPastStart);
        assertTrue(maxInFlight <= 2 * ProductionStream.CONCURRENCY, "in flight at most: " + maxInFlight);
    }

    @Test
    void shouldSendEveryPromptOfEveryReleaseAndCountWhatItSent() throws IOException {
        ProductionStream stream = new ProductionStream(8, 300_000, 7, 0);
        List<byte[][]> records = records(stream, 300_000);
        Map<String, Set<String>> prompts = new HashMap<>();
        long tokens = 0;
        long finals = 0;
        for (byte[][] r : records) {
            JsonNode n = JSON.readTree(r[1]);
            assertEquals(n.get("rollout_id").asText(), new String(r[0], StandardCharsets.UTF_8), "record key is the rollout id");
            prompts.computeIfAbsent(n.get("model").asText() + "/" + n.get("release").asText(), k -> new HashSet<>())
                    .add(n.get("prompt_id").asText());
            tokens += n.has("tokens") ? n.get("tokens").size() : 1;
            if (n.path("final").asBoolean(false)) {
                finals++;
            }
        }
        assertEquals(ProductionStream.RELEASES, prompts.size(), prompts.keySet().toString());
        for (Map.Entry<String, Set<String>> e : prompts.entrySet()) {
            assertEquals(ProductionStream.PROMPTS, e.getValue().size(), e.getKey());
        }
        assertEquals(stream.rollouts(), finals, "rollouts counted, finished rounds included");
        assertTrue(stream.rollouts() > 2 * ProductionStream.CONCURRENCY, "rounds finished and dropped: " + stream.rollouts());
        assertEquals(stream.tokens(), tokens, "tokens counted, finished rounds included");
    }

    @Test
    void shouldSendTheSameRecordsForTheSameSeedAndOthersForAnotherSeedOrPhase() {
        List<byte[][]> a = records(new ProductionStream(1, 50_000, 11, 0), 50_000);
        List<byte[][]> b = records(new ProductionStream(1, 50_000, 11, 0), 50_000);
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            assertArrayEquals(a.get(i)[0], b.get(i)[0], "key " + i);
            assertArrayEquals(a.get(i)[1], b.get(i)[1], "value " + i);
        }
        List<byte[][]> otherSeed = records(new ProductionStream(1, 50_000, 12, 0), 50_000);
        assertFalse(Arrays.equals(a.get(0)[1], otherSeed.get(0)[1]), "another seed, other records");
        Set<String> ids = new HashSet<>();
        for (byte[][] r : a) {
            ids.add(new String(r[0], StandardCharsets.UTF_8));
        }
        for (byte[][] r : records(new ProductionStream(1, 50_000, 11, 2), 50_000)) {
            assertFalse(ids.contains(new String(r[0], StandardCharsets.UTF_8)), "another phase sends other rollouts");
        }
    }
}
