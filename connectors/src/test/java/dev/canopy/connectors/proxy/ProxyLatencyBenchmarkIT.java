package dev.canopy.connectors.proxy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.canopy.broker.EmbeddedKafkaBroker;
import dev.canopy.connectors.KafkaTestSupport;
import dev.canopy.connectors.Recordings;
import dev.canopy.connectors.Recordings.OpenAiRecording;
import dev.canopy.connectors.ScriptedUpstream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Measures the latency the proxy adds, on loopback, against the scripted upstream, with the real Kafka
 * publisher writing to an embedded broker. Not part of the build: run with
 * {@code mvn -o -pl connectors install -Dcanopy.bench=true -Dit.test=ProxyLatencyBenchmarkIT -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false}.
 * Prints, per case, the median and 99th percentile of the client-observed time to the last byte, direct
 * and through the proxy, alternating the two so that both see the same machine state.
 */
@EnabledIfSystemProperty(named = "canopy.bench", matches = "true")
class ProxyLatencyBenchmarkIT {

    private static final int WARMUP = 1000;
    private static final int ROUNDS = 2000;
    /** Pass as expected length: time to the first complete SSE event instead of the last byte. */
    private static final int FIRST_EVENT = -2;

    @Test
    void measureTheLatencyTheProxyAdds() throws Exception {
        List<OpenAiRecording> all = Recordings.allOpenAi();
        OpenAiRecording continent = all.get(0);
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().start();
             ScriptedUpstream upstream = ScriptedUpstream.start(List.of(continent))) {
            KafkaTestSupport.createTopic(broker.bootstrapServers(), "canopy.tokens");
            ProxyConfig config = ProxyConfig.builder(upstream.uri(), broker.bootstrapServers(), "bench").listen("127.0.0.1", 0)
                    .topLogprobs(5).build();
            try (LogprobProxy quiet = LogprobProxy.start(config, new dev.canopy.connectors.events.TokenEventSink() {
                @Override
                public void publish(String rolloutId, byte[] record) {
                }

                @Override
                public void reject(dev.canopy.connectors.events.Rejection rejection) {
                }
            }, new io.prometheus.metrics.model.registry.PrometheusRegistry())) {
                run("no Kafka (events discarded): non-streamed, client asked", client, upstream.uri(), quiet.uri(),
                        body(continent, false, true), Recordings.chatCompletion(List.of(continent), true).length);
                run("no Kafka (events discarded): streamed, client asked", client, upstream.uri(), quiet.uri(),
                        body(continent, true, true), continent.sse().length);
            }
            try (LogprobProxy proxy = LogprobProxy.start(config)) {
                System.out.printf(Locale.ROOT, "machine: %d cores, %s %s, Java %s%n", Runtime.getRuntime().availableProcessors(),
                        System.getProperty("os.name"), System.getProperty("os.arch"), System.getProperty("java.version"));
                run("non-streamed, client asked for logprobs (relayed + observed)", client, upstream.uri(), proxy.uri(),
                        body(continent, false, true), Recordings.chatCompletion(List.of(continent), true).length);
                run("non-streamed, logprobs added and stripped", client, upstream.uri(), proxy.uri(),
                        body(continent, false, false), -1);
                run("streamed 53 SSE events, client asked (relayed + observed)", client, upstream.uri(), proxy.uri(),
                        body(continent, true, true), continent.sse().length);
                run("streamed 53 SSE events, logprobs added and stripped", client, upstream.uri(), proxy.uri(),
                        body(continent, true, false), -1);
                run("streamed, time to the first SSE event at the client", client, upstream.uri(), proxy.uri(),
                        body(continent, true, true), FIRST_EVENT);
                System.out.printf(Locale.ROOT, "events published %d, dropped %d%n", proxy.publisher().published(), proxy.publisher().droppedTotal());
            }
        }
    }

    private static byte[] body(OpenAiRecording r, boolean stream, boolean logprobs) {
        ObjectNode req = r.request().deepCopy();
        req.put("stream", stream);
        if (!stream) {
            req.remove("stream_options");
        }
        if (!logprobs) {
            req.remove("logprobs");
            req.remove("top_logprobs");
        }
        return Recordings.write(req);
    }

    private static void run(String name, HttpClient client, URI direct, URI proxied, byte[] body, int expectedLength) throws Exception {
        HttpRequest d = HttpRequest.newBuilder(direct.resolve("/v1/chat/completions")).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        HttpRequest p = HttpRequest.newBuilder(proxied.resolve("/v1/chat/completions")).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        for (int i = 0; i < WARMUP; i++) {
            time(client, d, -1);
            time(client, p, -1);
        }
        long[] td = new long[ROUNDS];
        long[] tp = new long[ROUNDS];
        for (int i = 0; i < ROUNDS; i++) {
            td[i] = time(client, d, expectedLength);
            tp[i] = time(client, p, expectedLength);
        }
        Arrays.sort(td);
        Arrays.sort(tp);
        System.out.printf(Locale.ROOT, "%-62s direct p50/p90/p99 %6.3f %6.3f %6.3f ms | proxy %6.3f %6.3f %6.3f ms | added p50 %6.3f p90 %6.3f ms%n",
                name, ms(td, 0.5), ms(td, 0.9), ms(td, 0.99), ms(tp, 0.5), ms(tp, 0.9), ms(tp, 0.99),
                ms(tp, 0.5) - ms(td, 0.5), ms(tp, 0.9) - ms(td, 0.9));
    }

    private static long time(HttpClient client, HttpRequest r, int expectedLength) throws Exception {
        long t0 = System.nanoTime();
        if (expectedLength == FIRST_EVENT) {
            HttpResponse<java.io.InputStream> resp = client.send(r, HttpResponse.BodyHandlers.ofInputStream());
            long t = -1;
            try (java.io.InputStream in = resp.body()) {
                byte[] buf = new byte[8192];
                int prev = 0;
                int n;
                while ((n = in.read(buf)) > 0) {
                    for (int i = 0; i < n && t < 0; i++) {
                        if (buf[i] == '\n' && prev == '\n') {
                            t = System.nanoTime() - t0;
                        }
                        prev = buf[i];
                    }
                }
            }
            return t;
        }
        HttpResponse<byte[]> resp = client.send(r, HttpResponse.BodyHandlers.ofByteArray());
        long t = System.nanoTime() - t0;
        assertEquals(200, resp.statusCode());
        if (expectedLength >= 0) {
            assertEquals(expectedLength, resp.body().length);
        }
        return t;
    }

    private static double ms(long[] sorted, double q) {
        return sorted[(int) Math.min(sorted.length - 1, Math.round(q * (sorted.length - 1)))] / 1e6;
    }
}
