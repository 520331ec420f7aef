package dev.canopy.app.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Samples the 1-minute load average every {@value #PERIOD_SECONDS} s while the benchmark runs, so every
 * result goes out with how busy the machine was: a figure taken on a loaded machine says so.
 */
final class LoadSampler implements AutoCloseable {

    /** Seconds between two samples. */
    private static final long PERIOD_SECONDS = 5;

    private final OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "canopy-bench-load");
        t.setDaemon(true);
        return t;
    });
    /** The load average when the run started. */
    final double first = os.getSystemLoadAverage();
    private double sum;
    private int n;
    private double max = first;

    LoadSampler() {
        timer.scheduleAtFixedRate(this::sample, PERIOD_SECONDS, PERIOD_SECONDS, TimeUnit.SECONDS);
    }

    private synchronized void sample() {
        double l = os.getSystemLoadAverage();
        sum += l;
        n++;
        max = Math.max(max, l);
    }

    /** The mean of the samples so far (the first reading before there is one). */
    synchronized double mean() {
        return n == 0 ? first : sum / n;
    }

    /** The highest load average seen. */
    synchronized double max() {
        return max;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
