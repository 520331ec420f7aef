package dev.canopy.testsupport;

import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The stand-in embedders keep the promises their tests rely on, and a store is found by name. */
class StandInsTest {

    private static final double TOLERANCE = 1e-6;

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    @Test
    void shouldEmbedWordCountsAsKnownUnitVectors() {
        WordCountEmbedder embedder = new WordCountEmbedder();
        float[][] v = embedder.embed(List.of("w0 w1", "w1 w0", "w2 w2", "no such words"));
        assertEquals(WordCountEmbedder.DIMENSION, v[0].length);
        assertArrayEquals(v[0], v[1], "order does not matter");
        assertEquals(1 / Math.sqrt(2), v[0][0], TOLERANCE);
        assertEquals(0, dot(v[0], v[2]), TOLERANCE, "no word in common: orthogonal");
        assertEquals(1, v[2][2], TOLERANCE);
        assertEquals(1, v[3][0], TOLERANCE, "a text without the words is w0's unit vector");
        assertArrayEquals(v[2], WordCountEmbedder.vector("w2 w2"));
    }

    @Test
    void shouldEmbedSharedWordsCloserThanDisjointOnes() {
        HashedWordEmbedder embedder = new HashedWordEmbedder();
        float[][] v = embedder.embed(List.of("river stone engine", "river stone melody", "planet orbit violin"));
        assertEquals(HashedWordEmbedder.DIMENSION, v[0].length);
        for (float[] x : v) {
            assertEquals(1, dot(x, x), TOLERANCE, "unit length");
        }
        assertArrayEquals(v[0], embedder.embed(List.of("river stone engine"))[0], "deterministic");
        assertTrue(dot(v[0], v[1]) > dot(v[0], v[2]) + 0.3, dot(v[0], v[1]) + " vs " + dot(v[0], v[2]));
    }

    @Test
    void shouldRegisterTheStoreUnderItsName() {
        MockProcessorContext<String, String> context = new MockProcessorContext<>();
        KeyValueStore<String, byte[]> store = InMemoryStores.keyValue(context, "some-store");
        store.put("k", new byte[] {1});
        assertSame(store, context.getStateStore("some-store"));
        assertArrayEquals(new byte[] {1}, store.get("k"));
    }
}
