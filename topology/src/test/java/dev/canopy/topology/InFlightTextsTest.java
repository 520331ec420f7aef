package dev.canopy.topology;

import dev.canopy.core.assembly.TextBuffer;
import dev.canopy.core.events.TokenRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The store-backed text assembly follows the replay's rule exactly. */
class InFlightTextsTest {

    private static final String[] WORDS = {" a", " river", " stone", "é", " 世界", "", " 🙂", " long-word"};

    private static TokenRecord record(SplittableRandom rng, String rollout) {
        int steps = 1 + rng.nextInt(5);
        int[] positions = new int[steps];
        String[] texts = new String[steps];
        for (int i = 0; i < steps; i++) {
            positions[i] = rng.nextInt(12);
            texts[i] = rng.nextInt(6) == 0 ? null : WORDS[rng.nextInt(WORDS.length)];
        }
        return new TokenRecord("m", "r", rollout, "p", false, null, -1, positions, new double[steps], new double[steps], new byte[steps], texts);
    }

    @Test
    void givesTheReplaysTextForAnyArrivalOrderRepeatsAndBudget() {
        MockProcessorContext<String, byte[]> context = new MockProcessorContext<>();
        KeyValueStore<String, byte[]> store = Stores.keyValueStoreBuilder(
                        Stores.inMemoryKeyValueStore(StoreNames.TEXTS_IN_FLIGHT), Serdes.String(), Serdes.ByteArray())
                .withLoggingDisabled().build();
        store.init(context.getStateStoreContext(), store);
        SplittableRandom rng = new SplittableRandom(5);
        for (int trial = 0; trial < 500; trial++) {
            int budget = 1 + rng.nextInt(40);
            InFlightTexts texts = new InFlightTexts(store, budget);
            TextBuffer reference = new TextBuffer();
            String id = "rollout-" + trial;
            for (int k = 0; k < 1 + rng.nextInt(10); k++) {
                TokenRecord r = record(rng, id);
                reference.add(r, budget);
                texts.add(r);
            }
            assertEquals(reference.text(), texts.take(id), "trial " + trial + ", budget " + budget);
            assertEquals("", texts.take(id), "taken once");
        }
        assertEquals(0, store.approximateNumEntries());
    }
}
