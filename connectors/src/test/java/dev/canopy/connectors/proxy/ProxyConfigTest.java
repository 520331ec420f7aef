package dev.canopy.connectors.proxy;

import org.junit.jupiter.api.Test;

import java.net.URI;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProxyConfigTest {

    @Test
    void shouldParseTheThreeModelSources() {
        assertEquals(ModelSource.request(), ModelSource.parse("request"));
        assertEquals(ModelSource.header("X-Model"), ModelSource.parse("header:X-Model"));
        assertEquals(ModelSource.fixed("llama-3.1-8b"), ModelSource.parse("fixed:llama-3.1-8b"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelSource.parse("header:"));
        assertTrue(e.getMessage().contains("header:NAME"));
    }

    @Test
    void shouldApplyTheDocumentedDefaults() {
        ProxyConfig c = ProxyConfig.builder(URI.create("http://127.0.0.1:8000"), "kafka:9092", "ft-1").build();
        assertEquals("127.0.0.1", c.listenHost());
        assertEquals(8080, c.listenPort());
        assertEquals("canopy.tokens", c.topic());
        assertEquals("/canopy/metrics", c.metricsPath());
        assertEquals(ModelSource.request(), c.modelSource());
        assertEquals(null, c.topLogprobs());
        assertEquals(64L << 20, c.eventBufferBytes());
    }

    @Test
    void shouldNameTheFlagInValidationErrors() {
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> ProxyConfig.builder(URI.create("ftp://x"), "k:9092", "r").build()).getMessage().contains("--upstream"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> ProxyConfig.builder(URI.create("http://x"), "k:9092", " ").build()).getMessage().contains("--release"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> ProxyConfig.builder(URI.create("http://x"), "k:9092", "r").topLogprobs(-1).build()).getMessage().contains("--top-logprobs"));
    }
}
