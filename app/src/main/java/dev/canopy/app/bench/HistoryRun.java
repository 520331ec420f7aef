package dev.canopy.app.bench;

import dev.canopy.analysis.cli.Progress;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static dev.canopy.app.bench.MonitorWaits.await;
import static dev.canopy.app.bench.MonitorWaits.check;
import static dev.canopy.app.bench.MonitorWaits.measured;
import static dev.canopy.app.bench.MonitorWaits.read;
import static dev.canopy.app.bench.MonitorWaits.reportRollouts;

/**
 * The history stage of {@code canopy bench --workload production}: does the monitor hold up after a long
 * history? One monitor runs in a JVM of its own ({@link MonitorProcess}, {@code -Xmx1g} as the launcher
 * sets it) on the production-shape traffic ({@link ProductionStream}). First a warm-up window of per-token
 * records, not counted: without it the first measured window ran while the JIT was still compiling the
 * per-token path (half a core of C2 in the first minute), which made the rate after 10k look slower than it
 * is and the ratio better. Then {@value #FIRST_WINDOW_AFTER} rollouts of history (chunk records, streamed from the generator), then a window of per-token records
 * whose rate is measured; then the rest of the history, up to {@code --history} rollouts, and the same
 * window again. The rate of the second window over the first says whether the state the history left
 * slows the monitor down. Around every stretch the broker is asked what the application's changelogs
 * grew by ({@link ChangelogBytes}), and the JVM's resident set is sampled from {@code /proc} throughout.
 * Then the monitor is killed (SIGKILL) and started again on its state directory: the seconds until it is
 * RUNNING and until its report is whole again. Last, a second instance joins, holds standby replicas
 * once its state directory stops growing, and the first is killed again: the seconds until the second
 * serves the whole report.
 */
final class HistoryRun {

    /** Completed rollouts of history before the first window. */
    static final long FIRST_WINDOW_AFTER = 10_000;

    /** The rollouts of the warm-up window, which is not counted ({@code afterRollouts} -1). */
    private static final int WARM_UP_PHASE = 4;

    /** Mean tokens of a production-shape rollout, to plan the stream's token budget from a rollout count. */
    private static final double TOKENS_PER_ROLLOUT = 34;

    /** How often the monitor is polled while waiting for it. */

    /** How often the monitor's resident set is sampled. */
    private static final long RSS_SAMPLE_MILLIS = 250;

    /** How often progress lines are written. */
    private static final long PROGRESS_MILLIS = 2000;

    /** Seconds for the monitor to start, and for a whole report to be served. */
    private static final long START_SECONDS = 300;

    /** Seconds for the second instance to join (it restores its tasks' state first). */
    private static final long JOIN_SECONDS = 600;

    /** Seconds to wait for the monitor to catch up, plus one per this many records sent. */
    private static final long CATCH_UP_SECONDS = 900;
    private static final long RECORDS_PER_EXTRA_SECOND = 1000;

    /** Seconds to wait for a window, plus one per {@link #RECORDS_PER_EXTRA_SECOND} of its records. */
    private static final long WINDOW_SECONDS = 600;

    /** Minutes a recovery may take. */
    private static final long RECOVERY_MINUTES = 20;

    /** Minutes the second instance's state directory may keep growing. */
    private static final long STANDBY_MINUTES = 15;

    /** Seconds its state directory must stay the same size to count as settled. */
    private static final long STANDBY_SETTLED_SECONDS = 15;

    private static final int HTTP_OK = 200;


    private final KafkaThroughput kafka;
    private final int chunkSize;
    private final long seed;
    private final long history;
    private final long windowEvents;
    private final int maxRecordMb;
    private final List<String> jvmOptions;
    private final PrintStream err;
    private final HistoryResult result = new HistoryResult();
    /** Records and completed rollouts sent to the topic so far: what the monitor has to have measured to be caught up. */
    private long sentRecords;
    private long sentRollouts;
    /** Completed rollouts of the history stream counted into {@link #sentRollouts} so far. */
    private long historyRolloutsSent;

    /**
     * @param chunkSize   tokens per chunk record of the history
     * @param history     completed rollouts of history before the second window
     * @param windowEvents per-token records of each window
     * @param maxRecordMb when above 0, the monitor's {@code max.request.size} in MiB (the broker was started to match)
     * @param monitorHeap the monitor JVMs' {@code -Xmx} value
     */
    HistoryRun(KafkaThroughput kafka, int chunkSize, long seed, long history, long windowEvents, int maxRecordMb, String monitorHeap,
               PrintStream err) {
        this.jvmOptions = MonitorProcess.jvmOptions(monitorHeap);
        result.monitorJvmOptions = String.join(" ", jvmOptions);
        this.kafka = kafka;
        this.chunkSize = chunkSize;
        this.seed = seed;
        this.history = history;
        this.windowEvents = windowEvents;
        this.maxRecordMb = maxRecordMb;
        this.err = err;
    }

    HistoryResult run() throws Exception {
        String app = "canopy-bench-history";
        String topic = kafka.settings("bench.history", app).monitor().topics().tokens();
        Map<String, String> flags = new HashMap<>(kafka.flags("bench.history", app, Map.of()));
        if (maxRecordMb > 0) {
            flags.put("max.request.size", Integer.toString(maxRecordMb << 20));
            result.note = "max.request.size and the broker's message.max.bytes raised to " + maxRecordMb + " MiB; ";
        }
        Path secondState = kafka.stateRoot().resolve(app + "-second");
        Map<String, String> second = new HashMap<>(flags);
        second.put("canopy.state.dir", secondState.toString());
        Path dir = kafka.stateRoot().resolve("history-logs");
        ScheduledExecutorService rss = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "canopy-bench-rss");
            t.setDaemon(true);
            return t;
        });
        try (MonitorProcess a = new MonitorProcess(flags, dir, "monitor-a", jvmOptions);
             MonitorProcess b = new MonitorProcess(second, dir, "monitor-b", jvmOptions);
             KafkaProducer<byte[], byte[]> producer = kafka.producer()) {
            rss.scheduleAtFixedRate(() -> {
                a.sampleRss();
                b.sampleRss();
            }, 0, RSS_SAMPLE_MILLIS, TimeUnit.MILLISECONDS);
            err.printf(Locale.ROOT, "canopy bench: history: starting a monitor JVM (%s)...%n", result.monitorJvmOptions);
            a.start();
            await(a, "the monitor to be RUNNING", START_SECONDS, () -> a.status("/readyz") == HTTP_OK);
            window(producer, topic, a, WARM_UP_PHASE, -1, ChangelogBytes.snapshot(kafka.bootstrap(), app), app);
            // phase 1: other rollouts than the windows' (phases 2 and 3) and the warm-up's
            ProductionStream stream = new ProductionStream(chunkSize, (long) (history * TOKENS_PER_ROLLOUT), seed, 1);

            Map<String, ChangelogBytes.Topic> t0 = ChangelogBytes.snapshot(kafka.bootstrap(), app);
            long start = System.nanoTime();
            sendHistory(producer, topic, stream, Math.min(FIRST_WINDOW_AFTER, history), a);
            awaitCaughtUp(a, "history");
            double seconds = (System.nanoTime() - start) / 1e9;
            Map<String, ChangelogBytes.Topic> t1 = ChangelogBytes.snapshot(kafka.bootstrap(), app);
            window(producer, topic, a, 2, stream.rollouts(), t1, app);
            Map<String, ChangelogBytes.Topic> t2 = ChangelogBytes.snapshot(kafka.bootstrap(), app);

            start = System.nanoTime();
            sendHistory(producer, topic, stream, history, a);
            awaitCaughtUp(a, "history");
            seconds += (System.nanoTime() - start) / 1e9;
            result.historyLoadAverage = load();
            Map<String, ChangelogBytes.Topic> t3 = ChangelogBytes.snapshot(kafka.bootstrap(), app);
            window(producer, topic, a, 3, stream.rollouts(), t3, app);
            Map<String, ChangelogBytes.Topic> t4 = ChangelogBytes.snapshot(kafka.bootstrap(), app);

            result.historySeconds = seconds;
            result.historyTokens = stream.tokens();
            result.historyRollouts = stream.rollouts();
            accountStores(t0, t1, t2, t3, t4);
            result.lastRssBytes = a.sampleRss();
            result.peakRssBytes = a.peakRss();
            recover(a, b, secondState);
        } finally {
            rss.shutdownNow();
        }
        return result;
    }

    /** Sends the history stream until {@code rollouts} of its rollouts are complete, with a progress line. */
    private void sendHistory(KafkaProducer<byte[], byte[]> producer, String topic, ProductionStream stream, long rollouts,
                             MonitorProcess monitor) {
        AtomicReference<Exception> failure = new AtomicReference<>();
        long[] records = {0};
        try (Progress ignored = new Progress(err, PROGRESS_MILLIS, () -> String.format(Locale.ROOT,
                "canopy bench: history: %s of %s rollouts sent, %s measured; monitor RSS %d MiB", Progress.count(stream.rollouts()),
                Progress.count(rollouts), Progress.count(measured(monitor)), monitor.sampleRss() >> 20))) {
            while (stream.rollouts() < rollouts && failure.get() == null) {
                stream.next((k, v) -> {
                    records[0]++;
                    producer.send(new ProducerRecord<>(topic, k, v), (m, e) -> {
                        if (e != null) {
                            failure.compareAndSet(null, e);
                        }
                    });
                });
            }
            producer.flush();
        }
        if (failure.get() != null) {
            throw new IllegalStateException("producing the history failed: " + failure.get(), failure.get());
        }
        result.historyRecords += records[0];
        sentRecords += records[0];
        sentRollouts += stream.rollouts() - historyRolloutsSent;
        historyRolloutsSent = stream.rollouts();
    }

    /**
     * Sends one per-token window of production-shape records and measures the rate the monitor reads it at;
     * {@code afterRollouts} -1 is the warm-up window, measured but not counted.
     */
    private void window(KafkaProducer<byte[], byte[]> producer, String topic, MonitorProcess m, int phase, long afterRollouts,
                        Map<String, ChangelogBytes.Topic> before, String app) throws Exception {
        BenchEvents w = BenchEvents.production("window", 1, windowEvents, seed, phase);
        if (afterRollouts < 0) {
            err.printf(Locale.ROOT, "canopy bench: history: per-token warm-up window, not counted (%,d records)...%n", w.records());
        } else {
            err.printf(Locale.ROOT, "canopy bench: history: per-token window after %,d rollouts (%,d records)...%n", afterRollouts, w.records());
        }
        long[] c0 = m.counters();
        if (c0 == null) {
            throw new IllegalStateException("the monitor's /metrics does not answer; its log ends:\n" + m.logTail());
        }
        for (int i = 0; i < w.records(); i++) {
            producer.send(new ProducerRecord<>(topic, w.keys().get(i), w.values().get(i)));
        }
        producer.flush();
        sentRecords += w.records();
        sentRollouts += w.rollouts();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WINDOW_SECONDS + w.records() / RECORDS_PER_EXTRA_SECOND);
        try (Progress ignored = new Progress(err, PROGRESS_MILLIS, () -> String.format(Locale.ROOT,
                "canopy bench: history: window: %s of %s records read; RSS %d MiB", Progress.count(read(m) - c0[0]),
                Progress.count(w.records()), m.sampleRss() >> 20))) {
            awaitWindow(m, c0, w, afterRollouts, before, app, deadline);
        }
    }

    /**
     * Waits until the monitor has read the window and measured its rollouts; the rate is taken from the
     * first of its records read to the last, as the counters show at {@link MonitorWaits#POLL_MILLIS} intervals.
     */
    private void awaitWindow(MonitorProcess m, long[] c0, BenchEvents w, long afterRollouts, Map<String, ChangelogBytes.Topic> before,
                             String app, long deadline) throws Exception {
        double[] e0 = m.emits();
        long endEvents = c0[0] + w.records();
        long endRollouts = c0[1] + w.rollouts();
        long firstAt = 0;
        long firstEvents = 0;
        while (true) {
            long[] c = m.counters();
            long now = System.nanoTime();
            if (c != null && firstAt == 0 && c[0] > c0[0]) {
                firstAt = now;
                firstEvents = c[0];
            }
            if (c != null && c[0] >= endEvents && c[1] >= endRollouts) {
                double seconds = (now - firstAt) / 1e9;
                double rate = (endEvents - firstEvents) / seconds;
                if (afterRollouts < 0) {
                    err.printf(Locale.ROOT, "canopy bench: history: warm-up window: %s records/s (not counted)%n", BenchResults.rate(rate));
                    return;
                }
                long bytes = ChangelogBytes.changelogBytes(ChangelogBytes.delta(before, ChangelogBytes.snapshot(kafka.bootstrap(), app)));
                double[] e1 = m.emits();
                boolean emits = e0 != null && e1 != null;
                result.windows.add(new HistoryResult.Window(afterRollouts, w.records(), w.tokens(), w.rollouts(), w.records() / rate, rate,
                        load(), bytes, emits ? (long) (e1[0] - e0[0]) : 0, emits ? e1[1] - e0[1] : 0, emits ? (long) (e1[2] - e0[2]) : 0));
                err.printf(Locale.ROOT, "canopy bench: history: window after %,d rollouts: %s records/s%n", afterRollouts,
                        BenchResults.rate(rate));
                return;
            }
            check(m, deadline, "the per-token window");
            TimeUnit.MILLISECONDS.sleep(MonitorWaits.POLL_MILLIS);
        }
    }

    /** Each store's bytes over the two stretches of history (t0-t1, t2-t3) and over the two windows (t1-t2, t3-t4). */
    private void accountStores(Map<String, ChangelogBytes.Topic> t0, Map<String, ChangelogBytes.Topic> t1,
                               Map<String, ChangelogBytes.Topic> t2, Map<String, ChangelogBytes.Topic> t3,
                               Map<String, ChangelogBytes.Topic> t4) {
        Map<String, ChangelogBytes.Topic> h1 = ChangelogBytes.delta(t0, t1);
        Map<String, ChangelogBytes.Topic> w1 = ChangelogBytes.delta(t1, t2);
        Map<String, ChangelogBytes.Topic> h2 = ChangelogBytes.delta(t2, t3);
        Map<String, ChangelogBytes.Topic> w2 = ChangelogBytes.delta(t3, t4);
        for (ChangelogBytes.Topic t : t4.values()) {
            String s = t.store();
            result.stores.add(new HistoryResult.Store(s, t.changelog(), bytes(h1, s) + bytes(h2, s), records(h1, s) + records(h2, s),
                    bytes(w1, s) + bytes(w2, s), records(w1, s) + records(w2, s)));
        }
    }

    private static long bytes(Map<String, ChangelogBytes.Topic> m, String store) {
        ChangelogBytes.Topic t = m.get(store);
        return t == null ? 0 : t.bytes();
    }

    private static long records(Map<String, ChangelogBytes.Topic> m, String store) {
        ChangelogBytes.Topic t = m.get(store);
        return t == null ? 0 : t.records();
    }

    /** The two unclean stops: a restart alone on the same state directory, then a takeover by a second instance with standbys. */
    private void recover(MonitorProcess a, MonitorProcess b, Path secondState) throws Exception {
        long rollouts = awaitReport(a, 0, START_SECONDS);
        err.printf(Locale.ROOT, "canopy bench: history: SIGKILL and restart, %,d rollouts in the report...%n", rollouts);
        a.kill();
        long killed = System.nanoTime();
        a.start();
        double[] t = awaitRecovery(a, killed, rollouts, true);
        result.recoveries.add(new HistoryResult.Recovery("restart after SIGKILL, same state directory, alone", t[0], t[1], rollouts));
        err.printf(Locale.ROOT, "canopy bench: history: RUNNING after %.1f s, whole report after %.1f s; starting a second instance...%n",
                t[0], t[1]);

        b.start();
        await(b, "the second instance to be RUNNING", JOIN_SECONDS, () -> b.status("/readyz") == HTTP_OK);
        long settled = awaitStandbys(b, secondState);
        rollouts = awaitReport(a, rollouts, START_SECONDS);
        err.printf(Locale.ROOT, "canopy bench: history: standby state settled after %d s; SIGKILL of the first instance...%n", settled);
        a.kill();
        killed = System.nanoTime();
        t = awaitRecovery(b, killed, rollouts, false);
        result.recoveries.add(new HistoryResult.Recovery("takeover by a second instance with standby replicas", t[0], t[1], rollouts));
        result.note += String.format(Locale.ROOT, "the second instance ran %d s before the kill, until its state directory stopped growing",
                settled);
    }

    /**
     * Seconds from the kill until {@code m} is RUNNING (when {@code needReady}; else NaN, it was running
     * already) and until its report is whole and counts at least {@code rollouts}.
     */
    private double[] awaitRecovery(MonitorProcess m, long killed, long rollouts, boolean needReady) throws Exception {
        double ready = needReady ? -1 : 0;
        double whole = -1;
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(RECOVERY_MINUTES);
        while (ready < 0 || whole < 0) {
            double since = (System.nanoTime() - killed) / 1e9;
            if (ready < 0 && m.status("/readyz") == HTTP_OK) {
                ready = since;
            }
            if (whole < 0 && reportRollouts(m) >= rollouts) {
                whole = (System.nanoTime() - killed) / 1e9;
            }
            check(m, deadline, "recovery");
            TimeUnit.MILLISECONDS.sleep(MonitorWaits.POLL_MILLIS);
        }
        return new double[] {needReady ? ready : Double.NaN, whole};
    }

    /** Waits for a whole report counting at least {@code atLeast} rollouts (and at least one); returns its count. */
    private long awaitReport(MonitorProcess m, long atLeast, long seconds) throws Exception {
        long[] n = {-1};
        await(m, "a whole report", seconds, () -> {
            n[0] = reportRollouts(m);
            return n[0] >= Math.max(1, atLeast);
        });
        return n[0];
    }

    /**
     * Waits until the second instance's state directory has stopped growing (its standby replicas have
     * caught up with the changelogs); returns the seconds that took.
     */
    private long awaitStandbys(MonitorProcess b, Path dir) throws Exception {
        long start = System.nanoTime();
        long size = -1;
        long stableSince = start;
        while (System.nanoTime() - start < TimeUnit.MINUTES.toNanos(STANDBY_MINUTES)) {
            long s = BenchFiles.size(dir);
            if (s != size) {
                size = s;
                stableSince = System.nanoTime();
            } else if (System.nanoTime() - stableSince > TimeUnit.SECONDS.toNanos(STANDBY_SETTLED_SECONDS)) {
                break;
            }
            check(b, Long.MAX_VALUE, "standby restore");
            TimeUnit.SECONDS.sleep(1);
        }
        return TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
    }

    /** Waits until the monitor has read every record sent and measured every rollout completed, with a progress line. */
    private void awaitCaughtUp(MonitorProcess m, String what) throws Exception {
        try (Progress ignored = new Progress(err, PROGRESS_MILLIS, () -> String.format(Locale.ROOT,
                "canopy bench: %s: the monitor has measured %s of %s rollouts; RSS %d MiB", what, Progress.count(measured(m)),
                Progress.count(sentRollouts), m.sampleRss() >> 20))) {
            await(m, "the monitor to catch up with the " + what, CATCH_UP_SECONDS + sentRecords / RECORDS_PER_EXTRA_SECOND, () -> {
                long[] c = m.counters();
                return c != null && c[0] >= sentRecords && c[1] >= sentRollouts;
            });
        }
    }

    private static double load() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }
}
