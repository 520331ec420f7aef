package dev.canopy.app.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Polling a monitor process under benchmark: its counters, its report, and waits that fail with its log when it dies. */
final class MonitorWaits {

    /** How often a wait polls the monitor. */
    static final long POLL_MILLIS = 100;
    private static final ObjectMapper JSON = new ObjectMapper();

    private MonitorWaits() {
    }

    /** The rollouts that a {@code /api/v1/report} body counts over its groups; -1 when it is partial. */
    static long reportRollouts(String body) throws IOException {
        JsonNode report = JSON.readTree(body);
        if (report.path("partial").asBoolean(false)) {
            return -1;
        }
        long n = 0;
        for (JsonNode g : report.path("groups")) {
            n += g.path("rollouts").asLong();
        }
        return n;
    }

    static long reportRollouts(MonitorProcess m) {
        String body = m.body("/api/v1/report");
        try {
            return body == null ? -1 : reportRollouts(body);
        } catch (IOException e) {
            return -1;
        }
    }

    static long read(MonitorProcess m) {
        long[] c = m.counters();
        return c == null ? 0 : c[0];
    }

    static long measured(MonitorProcess m) {
        long[] c = m.counters();
        return c == null ? 0 : c[1];
    }

    static void await(MonitorProcess m, String what, long seconds, Condition done) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!done.met()) {
            check(m, deadline, what);
            TimeUnit.MILLISECONDS.sleep(POLL_MILLIS);
        }
    }

    /** Fails when the monitor has exited or the deadline has passed, with the end of its log. */
    static void check(MonitorProcess m, long deadline, String what) throws TimeoutException {
        if (!m.alive()) {
            throw new IllegalStateException("the monitor process exited while waiting for " + what + "; its log ends:\n" + m.logTail());
        }
        if (System.nanoTime() > deadline) {
            throw new TimeoutException("timed out waiting for " + what + "; the monitor's log ends:\n" + m.logTail());
        }
    }

    /** A condition polled while waiting; it may ask the monitor over HTTP. */
    interface Condition {
        boolean met() throws Exception;
    }
}
