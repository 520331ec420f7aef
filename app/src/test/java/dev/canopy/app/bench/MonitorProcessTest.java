package dev.canopy.app.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** The bench starts its monitor JVMs with the options the launcher would give them, and none outlives it. */
class MonitorProcessTest {

    @TempDir
    Path dir;

    @Test
    void shouldGiveTheLaunchersOptionsWithTheHeapAsked() {
        assertEquals(List.of("-Xmx1g", "-XX:+ExitOnOutOfMemoryError"), MonitorProcess.jvmOptions(MonitorProcess.LAUNCHER_HEAP));
        assertEquals(List.of("-Xmx640m", "-XX:+ExitOnOutOfMemoryError"), MonitorProcess.jvmOptions("640m"));
        assertEquals("-Xmx1g -XX:+ExitOnOutOfMemoryError", new HistoryResult().monitorJvmOptions, "what the report names by default");
    }

    @Test
    void aMonitorStopsWhenTheBenchIsStoppedWithCtrlCOrSigterm() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process bench = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Bench.class.getName(), dir.toString())
                .redirectErrorStream(true).start();
        long monitorPid = -1;
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(bench.getInputStream(), StandardCharsets.UTF_8));
            String line = out.readLine();
            assertNotNull(line, "the stand-in bench printed nothing");
            monitorPid = Long.parseLong(line.trim());
            Optional<ProcessHandle> monitor = ProcessHandle.of(monitorPid);
            assertTrue(monitor.isPresent() && monitor.get().isAlive(), "the monitor runs");

            bench.destroy(); // SIGTERM, as Ctrl-C or a supervisor sends
            assertTrue(bench.waitFor(60, TimeUnit.SECONDS), "the bench stops");
            try {
                monitor.get().onExit().get(60, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                fail("the monitor (pid " + monitorPid + ") outlived the bench by 60 s");
            }
        } finally {
            bench.destroyForcibly();
            if (monitorPid > 0) {
                ProcessHandle.of(monitorPid).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }

    /** Stands in for {@code canopy bench}: starts one monitor (a {@link Sleeper}), prints its pid, waits to be stopped. */
    public static final class Bench {
        public static void main(String[] args) throws Exception {
            MonitorProcess monitor = new MonitorProcess(Map.of(), Path.of(args[0]), "monitor", List.of("-Xmx32m"), Sleeper.class.getName());
            monitor.start();
            System.out.println(monitor.pid());
            System.out.flush();
            Thread.sleep(TimeUnit.MINUTES.toMillis(10));
        }
    }

    /** Stands in for a monitor: does nothing for ten minutes, unless stopped. */
    public static final class Sleeper {
        public static void main(String[] args) throws InterruptedException {
            Thread.sleep(TimeUnit.MINUTES.toMillis(10));
        }
    }
}
