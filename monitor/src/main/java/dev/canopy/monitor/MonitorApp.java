package dev.canopy.monitor;

import com.sun.net.httpserver.HttpServer;
import dev.canopy.monitor.http.HttpApi;
import dev.canopy.monitor.metrics.CanopyMetrics;
import dev.canopy.monitor.metrics.MetricsPublisher;
import dev.canopy.monitor.query.PeerClient;
import dev.canopy.monitor.query.QueryService;
import dev.canopy.monitor.query.StreamsMetadataService;
import dev.canopy.monitor.query.StreamsStores;
import dev.canopy.semantic.MiniLmEmbedder;
import dev.canopy.topology.CanopyTopology;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One monitor instance: the Kafka Streams topology, its HTTP API with {@code /metrics}, and the
 * publisher that refreshes the exported per-release series. Several instances sharing an application
 * id split the partitions; each answers the report API for all of them by merging the other
 * instances' partial states (see {@link QueryService}). This class only wires those parts together
 * and runs their lifecycle.
 */
public final class MonitorApp implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MonitorApp.class);
    /** How long closing waits for Kafka Streams to commit and leave the group. */
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

    private final MonitorSettings settings;
    private final KafkaStreams streams;
    private final HttpApi http;
    private final CanopyMetrics metrics;
    private final QueryService queries;
    private final MetricsPublisher publisher;
    private final CompletableFuture<String> failure = new CompletableFuture<>();
    private final ThreadFailures threadFailures;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile Throwable lastFailure;

    /** Binds the HTTP port and builds every part; releases the port and what else it opened when a step fails. */
    private MonitorApp(MonitorSettings settings, PrometheusRegistry registry) {
        this.settings = settings;
        this.metrics = new CanopyMetrics(registry, settings.metricsMaxReleases(), settings.releaseTtl(), System::currentTimeMillis);
        HttpServer server = HttpApi.listen(settings.httpHost(), settings.httpPort());
        KafkaStreams built = null;
        try {
            HostInfo self = new HostInfo(advertisedHost(settings.httpHost()), server.getAddress().getPort());
            TopicSetup.ensure(settings.clientProperties(), settings.bootstrapServers(), settings.topicPartitions(),
                    settings.replicationFactor(), settings.monitor().topics().all(), settings.monitor().topics().deadLetter(),
                    settings.monitor().topics().releases());
            TopicSetup.raiseRecordLimit(settings.clientProperties(),
                    CanopyTopology.largeValueChangelogs(settings.applicationId()), CanopyTopology.MAX_STATE_RECORD_BYTES);
            ClusterStamp.claim(settings.stateDir(), settings.applicationId(),
                    ClusterStamp.clusterId(settings.clientProperties(), settings.bootstrapServers()));
            boolean semantic = settings.monitor().semantic().enabled();
            built = new KafkaStreams(CanopyTopology.build(settings.monitor(), metrics, semantic ? new MiniLmEmbedder() : null),
                    StaticMembership.apply(settings.streamsProperties(self.host() + ":" + self.port()), settings.stateDir(),
                            settings.applicationId()));
            this.streams = built;
            this.threadFailures = new ThreadFailures(System::nanoTime, new StreamCommits(streams::metrics));
            streams.setStateListener((now, old) -> {
                metrics.streamsState(now.name());
                LOG.info("Kafka Streams state {} -> {}", old, now);
                if (now == KafkaStreams.State.ERROR) {
                    Throwable cause = lastFailure;
                    failure.complete("Kafka Streams stopped on an error" + (cause == null ? "" : ": " + ThreadFailures.describe(cause)));
                }
            });
            streams.setUncaughtExceptionHandler(e -> {
                lastFailure = e;
                boolean replace = threadFailures.replace(e);
                metrics.streamThreadFailed(); // counted once /readyz knows of it
                if (!replace) {
                    LOG.error("stream thread failed {} times within {}; shutting the monitor down", ThreadFailures.LIMIT, ThreadFailures.WINDOW, e);
                    return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
                }
                LOG.error("stream thread failed; replacing it", e);
                return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
            });
            StreamsStores stores = new StreamsStores(streams, settings.monitor().statistics(), semantic);
            this.queries = new QueryService(stores, new StreamsMetadataService(streams, self), new PeerClient(settings.peerTimeout()), semantic);
            this.http = new HttpApi(server, queries, streams::state, threadFailures::stalled, registry);
            this.publisher = new MetricsPublisher(stores, metrics, () -> streams.state() == KafkaStreams.State.RUNNING);
        } catch (RuntimeException | Error e) {
            if (built != null) {
                built.close(CLOSE_TIMEOUT);
            }
            HttpApi.release(server);
            throw e;
        }
    }

    /**
     * Starts a monitor; returns once the HTTP port is bound and Kafka Streams is starting. When a step
     * fails, whatever was opened (the HTTP port first of all) is closed before the error is thrown.
     */
    public static MonitorApp start(MonitorSettings settings, PrometheusRegistry registry) {
        JvmMetrics.builder().register(registry);
        MonitorApp app = new MonitorApp(settings, registry);
        try {
            app.http.start();
            app.streams.start();
        } catch (RuntimeException e) {
            app.close();
            throw e;
        }
        app.publisher.start();
        LOG.info("monitor {} on {} reading {}; HTTP API and /metrics on http://{}:{}", settings.applicationId(),
                settings.bootstrapServers(), settings.monitor().topics().tokens(), settings.httpHost(), app.http.port());
        return app;
    }

    private static String advertisedHost(String bind) {
        if (!bind.equals("0.0.0.0") && !bind.equals("::")) {
            return bind;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "127.0.0.1";
        }
    }

    public int httpPort() {
        return http.port();
    }

    /**
     * Completes, with a one-line reason, when Kafka Streams has stopped for good on an error (state
     * ERROR): the monitor reads nothing more and its process should exit so a supervisor restarts it.
     */
    public CompletableFuture<String> failure() {
        return failure;
    }

    public KafkaStreams.State state() {
        return streams.state();
    }

    public MonitorSettings settings() {
        return settings;
    }

    public CanopyMetrics metrics() {
        return metrics;
    }

    /** Interactive queries over this instance's stores and every other instance's. */
    public QueryService queries() {
        return queries;
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        publisher.close();
        // leave the group so the other instances take over this one's partitions at once, not after the session timeout
        streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP).withTimeout(CLOSE_TIMEOUT));
        http.stop();
        LOG.info("monitor stopped");
    }
}
