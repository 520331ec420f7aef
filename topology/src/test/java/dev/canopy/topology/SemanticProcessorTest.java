package dev.canopy.topology;

import dev.canopy.core.assembly.CompletedRollout;
import dev.canopy.semantic.SemanticAccumulator;
import dev.canopy.semantic.SemanticCounts;
import dev.canopy.semantic.SemanticMetrics;
import dev.canopy.testsupport.HashedWordEmbedder;
import dev.canopy.testsupport.InMemoryStores;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The semantic processor alone: its backlog across a restart (a new processor on the same stores). */
class SemanticProcessorTest {

    private static final String GROUP = GroupKeys.of("m", "r");
    private static final String[] WORDS = {"river", "stone", "engine", "piston", "violin", "melody", "planet", "orbit", "light", "gear"};

    private final MockProcessorContext<String, byte[]> context = new MockProcessorContext<>();
    private final SemanticSettings settings = new SemanticSettings(true, 4000, 4, 3, 1, 1000);
    private final EmbeddingBudget budget = new EmbeddingBudget(settings.maxRate());

    private static List<Finished> rollouts(long seed) {
        Random rng = new Random(seed);
        List<Finished> out = new ArrayList<>();
        for (int p = 0; p < 7; p++) {
            for (int k = 0; k < 12; k++) {
                int n = 3 + rng.nextInt(10);
                StringBuilder text = new StringBuilder();
                for (int i = 0; i < n; i++) {
                    text.append(' ').append(WORDS[rng.nextInt(p % 2 == 0 ? 4 : WORDS.length)]);
                }
                out.add(new Finished(new CompletedRollout("m", "r", "p" + p + "-" + k, "p" + p, n, n * rng.nextDouble(), n * 2.0, "stop",
                        n, 0, 0, 1000, false), text.toString()));
            }
        }
        return out;
    }

    private SemanticProcessor started() {
        SemanticProcessor p = new SemanticProcessor(settings, new HashedWordEmbedder(), budget, TopologyObserver.NONE);
        p.init(context);
        return p;
    }

    @Test
    void shouldKeepWaitingRolloutsAcrossARestartAndEndWithReplaysSample() {
        InMemoryStores.keyValue(context, StoreNames.SEMANTIC_SAMPLES);
        KeyValueStore<String, byte[]> prompts = InMemoryStores.keyValue(context, StoreNames.SEMANTIC_PROMPTS);
        KeyValueStore<String, byte[]> counts = InMemoryStores.keyValue(context, StoreNames.SEMANTIC_COUNTS);
        KeyValueStore<String, byte[]> backlog = InMemoryStores.keyValue(context, StoreNames.SEMANTIC_BACKLOG);
        List<Finished> all = rollouts(3);
        Collections.shuffle(all, new Random(4));
        context.setCurrentSystemTimeMs(0);

        SemanticProcessor first = started();
        int half = all.size() / 2;
        for (Finished f : all.subList(0, half)) {
            first.process(new Record<>(GROUP, f, 0L));
        }
        long waiting = backlog.approximateNumEntries();
        assertTrue(waiting > 5, "the burst waits: " + waiting);
        first.close();

        SemanticProcessor second = started();
        for (Finished f : all.subList(half, all.size())) {
            second.process(new Record<>(GROUP, f, 0L));
        }
        for (long t = 1000; backlog.approximateNumEntries() > 0; t += 1000) {
            assertTrue(t < 100_000, "drains at 1/s");
            context.setCurrentSystemTimeMs(t);
            second.drain(t);
        }

        SemanticAccumulator replay = new SemanticAccumulator(settings.perPrompt(), settings.maxPrompts());
        HashedWordEmbedder embedder = new HashedWordEmbedder();
        for (Finished f : all) {
            replay.add(f.rollout(), embedder.embed(List.of(f.text()))[0]);
        }
        SemanticMetrics expected = SemanticMetrics.of(replay);
        SemanticCounts c = SemanticProcessor.decodeCounts(counts.get(GROUP));
        SemanticMetrics streamed = SemanticProcessor.pooled(prompts, GROUP, c);
        assertEquals(3, expected.prompts());
        assertEquals(expected.perPrompt(), streamed.perPrompt(), "the same prompts, rollouts and numbers to the last bit");
        assertEquals(expected.diversity(), streamed.diversity());
        assertEquals(all.size(), c.total(), "every rollout has its outcome: " + c);
        assertEquals(0, c.overBudget());
        assertTrue(c.embedded() < all.size() / 2, "displaced waiting rollouts were never embedded: " + c);
    }
}
