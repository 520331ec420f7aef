package dev.canopy.app.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.canopy.analysis.cli.Progress;
import dev.canopy.monitor.MonitorApp;
import dev.canopy.monitor.MonitorSettings;
import dev.canopy.simulator.EstimatorMode;
import dev.canopy.simulator.FleetCursor;
import dev.canopy.simulator.SimulatedFleet;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * Final event to report: a whole monitor ({@link MonitorApp}, exactly_once_v2 and every other default)
 * receives rollouts at a steady rate while a client polls {@code GET /api/v1/report}. The k-th rollout
 * whose final record was sent is paired with the moment the report first counted k rollouts (rollouts
 * of different partitions can overtake one another, so this is the latency of the k-th completion, the
 * usual order-statistic estimate; it is exact when completions keep their order). A rollout counts as
 * visible when the response that shows it arrives, so the figure includes the report's own time and
 * up to one poll interval. The first {@code warmup} of traffic is not counted.
 */
final class ReportLatency {

    /** Latencies in milliseconds over the rollouts after warm-up. */
    record Result(String workload, long rollouts, double tokensPerSecond, double p50, double p90, double p99,
                  double max, double reportMillisP50) {
    }

    static final Duration POLL_INTERVAL = Duration.ofMillis(20);

    private final KafkaThroughput kafka;
    private final String bootstrap;
    private final PrintStream err;
    private final ObjectMapper json = new ObjectMapper();

    ReportLatency(KafkaThroughput kafka, String bootstrap, PrintStream err) {
        this.kafka = kafka;
        this.bootstrap = bootstrap;
        this.err = err;
    }

    Result measure(String workload, EstimatorMode estimator, int chunkSize, double tokensPerSecond, Duration duration,
                   Duration warmup, long seed) throws IOException, InterruptedException, TimeoutException {
        MonitorSettings settings = kafka.settings("bench.latency-" + workload, "canopy-bench-latency-" + workload);
        try (MonitorApp app = MonitorApp.start(settings, new PrometheusRegistry())) {
            awaitRunning(app);
            HttpClient client = HttpClient.newHttpClient();
            URI report = URI.create("http://127.0.0.1:" + app.httpPort() + "/api/v1/report");
            while (reportedRollouts(client, report) < 0) {
                TimeUnit.MILLISECONDS.sleep(100);
            }
            double total = tokensPerSecond * (duration.toMillis() + warmup.toMillis()) / 1000.0;
            SimulatedFleet fleet = BenchEvents.fleet(estimator, chunkSize, seed, 64, (long) total);
            List<Long> finals = new ArrayList<>();
            List<Long> visible = new ArrayList<>();
            List<Long> reportNanos = new ArrayList<>();
            AtomicBoolean stop = new AtomicBoolean();
            Thread poller = new Thread(() -> poll(client, report, visible, reportNanos, stop), "canopy-bench-poller");
            poller.setDaemon(true);
            poller.start();
            long warmupEnd = System.nanoTime() + warmup.toNanos();
            int firstCounted = -1;
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            p.put(ProducerConfig.ACKS_CONFIG, "all");
            p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
            p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
            Meter sent = new Meter();
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
                 Progress ignored = new Progress(err, 2000, () -> String.format("canopy bench: latency %s: %s records sent, %d rollouts completed, %d in the report",
                         workload, Progress.count(sent.count()), finals.size(), visibleCount(visible)))) {
                FleetCursor cursor = fleet.cursor();
                String topic = settings.monitor().topics().tokens();
                long start = System.nanoTime();
                long tokens = 0;
                long completed = 0;
                while (tokens < total) {
                    long due = start + (long) (tokens / tokensPerSecond * 1e9);
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(wait);
                    }
                    if (!cursor.next((k, v) -> producer.send(new ProducerRecord<>(topic, k, v)))) {
                        break;
                    }
                    sent.record();
                    tokens = cursor.stats().tokens();
                    if (cursor.stats().rolloutsCompleted() > completed) {
                        completed = cursor.stats().rolloutsCompleted();
                        long now = System.nanoTime();
                        synchronized (finals) {
                            finals.add(now);
                        }
                        if (firstCounted < 0 && now >= warmupEnd) {
                            firstCounted = finals.size() - 1;
                        }
                    }
                }
                producer.flush();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (visibleCount(visible) < finals.size() && System.nanoTime() < deadline) {
                    TimeUnit.MILLISECONDS.sleep(50);
                }
            } finally {
                stop.set(true);
                poller.join(5000);
            }
            if (visibleCount(visible) < finals.size()) {
                throw new TimeoutException("the report counted " + visibleCount(visible) + " of " + finals.size()
                        + " rollouts 60 s after the last event");
            }
            if (firstCounted < 0) {
                throw new IllegalStateException("no rollout completed after the warm-up; lengthen the latency run");
            }
            double[] ms = new double[finals.size() - firstCounted];
            synchronized (visible) {
                for (int k = firstCounted; k < finals.size(); k++) {
                    ms[k - firstCounted] = (visible.get(k) - finals.get(k)) / 1e6;
                }
            }
            Arrays.sort(ms);
            double[] rt = reportNanos.stream().mapToDouble(n -> n / 1e6).sorted().toArray();
            return new Result(workload, ms.length, tokensPerSecond, quantile(ms, 0.5), quantile(ms, 0.9), quantile(ms, 0.99),
                    ms[ms.length - 1], rt.length == 0 ? Double.NaN : quantile(rt, 0.5));
        }
    }

    private static int visibleCount(List<Long> visible) {
        synchronized (visible) {
            return visible.size();
        }
    }

    private void poll(HttpClient client, URI report, List<Long> visible, List<Long> reportNanos, AtomicBoolean stop) {
        while (!stop.get()) {
            long t0 = System.nanoTime();
            long count = reportedRollouts(client, report);
            long t1 = System.nanoTime();
            reportNanos.add(t1 - t0);
            synchronized (visible) {
                while (visible.size() < count) {
                    visible.add(t1);
                }
            }
            LockSupport.parkNanos(POLL_INTERVAL.toNanos());
        }
    }

    /** Completed rollouts in the report (summed over groups), or -1 while the report is not available. */
    private long reportedRollouts(HttpClient client, URI report) {
        try {
            HttpResponse<byte[]> resp = client.send(HttpRequest.newBuilder(report).timeout(Duration.ofSeconds(10)).GET().build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            if (resp.statusCode() != 200) {
                return -1;
            }
            long n = 0;
            for (JsonNode g : json.readTree(resp.body()).path("groups")) {
                n += g.path("rollouts").asLong();
            }
            return n;
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static void awaitRunning(MonitorApp app) throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (app.state() != KafkaStreams.State.RUNNING) {
            if (System.nanoTime() > deadline) {
                throw new TimeoutException("the monitor did not reach RUNNING within 120 s (state " + app.state() + ")");
            }
            TimeUnit.MILLISECONDS.sleep(100);
        }
    }

    static double quantile(double[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int i = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }
}
