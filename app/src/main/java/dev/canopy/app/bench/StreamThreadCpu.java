package dev.canopy.app.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.regex.Pattern;

/**
 * CPU time of one Kafka Streams application's stream threads in this JVM, from the moment it has read its first
 * record. On a shared 2-core machine the rate of a stage moves by 20% from one run to the next with the broker
 * and the other threads on the same cores; the CPU its stream threads spend per record moves far less, so it is
 * what compares two stages or two builds.
 */
final class StreamThreadCpu {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    /** Kafka Streams names a stream thread {@code <application id>-<process UUID>-StreamThread-<n>} (default client id). */
    private final Pattern names;
    private long startNanos = -1;

    StreamThreadCpu(String applicationId) {
        names = Pattern.compile(Pattern.quote(applicationId)
                + "-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-StreamThread-\\d+");
    }

    /** Whether this JVM can measure thread CPU time at all. */
    static boolean supported() {
        return THREADS.isThreadCpuTimeSupported() && THREADS.isThreadCpuTimeEnabled();
    }

    /** CPU nanoseconds of the application's live stream threads; -1 when none is found or CPU time is not measured. */
    long nanos() {
        if (!supported()) {
            return -1;
        }
        long sum = 0;
        boolean found = false;
        for (ThreadInfo t : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
            if (t != null && names.matcher(t.getThreadName()).matches()) {
                long cpu = THREADS.getThreadCpuTime(t.getThreadId());
                if (cpu >= 0) {
                    sum += cpu;
                    found = true;
                }
            }
        }
        return found ? sum : -1;
    }

    /** Call while waiting for the stage: takes the starting point the first time {@code started} is true. */
    void startWhen(boolean started) {
        if (startNanos < 0 && started) {
            startNanos = nanos();
        }
    }

    /** CPU seconds since the starting point; NaN when there was none or the threads could not be found. */
    double seconds() {
        long now = nanos();
        return startNanos < 0 || now < 0 ? Double.NaN : (now - startNanos) / 1e9;
    }
}
