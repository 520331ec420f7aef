package dev.canopy.app.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The production-shape workload of {@code canopy bench --workload production} has the shape it claims. */
class ProductionWorkloadTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static BenchEvents tokens;

    @BeforeAll
    static void generate() {
        tokens = BenchEvents.production("prod-token", 1, 150_000, 42);
    }

    @Test
    void shouldCarryEveryFieldShapeTheServerFamiliesSend() throws IOException {
        Map<String, Integer> shapes = new HashMap<>();
        for (byte[] v : tokens.values()) {
            JsonNode n = JSON.readTree(v);
            String shape;
            if (n.has("top_logprobs")) {
                shape = "top" + n.get("top_logprobs").size();
            } else if (n.has("entropy")) {
                shape = "entropy";
            } else {
                shape = "logprob";
            }
            shapes.merge(shape, 1, Integer::sum);
        }
        for (String s : new String[] {"top20", "top5", "entropy", "logprob"}) {
            assertTrue(shapes.getOrDefault(s, 0) > tokens.records() / 50, "too few " + s + " events: " + shapes);
        }
    }

    @Test
    void shouldSpreadOverEightReleasesWithSixtyFourPromptsEach() throws IOException {
        Map<String, Set<String>> prompts = new HashMap<>();
        for (byte[] v : tokens.values()) {
            JsonNode n = JSON.readTree(v);
            prompts.computeIfAbsent(n.get("model").asText() + "/" + n.get("release").asText(), k -> new HashSet<>())
                    .add(n.get("prompt_id").asText());
        }
        assertEquals(8, prompts.size(), prompts.keySet().toString());
        for (Map.Entry<String, Set<String>> e : prompts.entrySet()) {
            assertEquals(64, e.getValue().size(), e.getKey());
        }
    }

    @Test
    void shouldKeepThousandsOfRolloutsInFlightAndCountTheirTokens() throws IOException {
        Map<String, Integer> lastIndex = new HashMap<>();
        Map<String, Integer> firstIndex = new HashMap<>();
        long positions = 0;
        long finals = 0;
        for (int i = 0; i < tokens.records(); i++) {
            String key = new String(tokens.keys().get(i), StandardCharsets.UTF_8);
            JsonNode n = JSON.readTree(tokens.values().get(i));
            assertEquals(n.get("rollout_id").asText(), key, "record key is the rollout id");
            firstIndex.putIfAbsent(key, i);
            lastIndex.put(key, i);
            positions++;
            if (n.path("final").asBoolean(false)) {
                finals++;
            }
        }
        assertEquals(tokens.tokens(), positions);
        assertEquals(tokens.rollouts(), finals);
        assertTrue(tokens.tokens() >= 150_000);
        // rollouts open (first record seen, last not yet) halfway through the topic; up to twice as many while a round drains
        int mid = tokens.records() / 2;
        long open = firstIndex.entrySet().stream().filter(e -> e.getValue() <= mid && lastIndex.get(e.getKey()) > mid).count();
        assertTrue(open >= 2_000 && open <= 2 * ProductionStream.CONCURRENCY, "rollouts in flight at the middle: " + open);
    }

    @Test
    void shouldCarryTheSameTokensInChunkRecords() {
        BenchEvents chunks = BenchEvents.production("prod-chunk32", 32, 150_000, 42);
        assertTrue(chunks.tokens() >= 150_000);
        assertTrue(chunks.tokensPerRecord() > 8, "tokens per chunk record: " + chunks.tokensPerRecord());
    }
}
