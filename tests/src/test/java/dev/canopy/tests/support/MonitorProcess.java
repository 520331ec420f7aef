package dev.canopy.tests.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code canopy run} in a child JVM from the shaded {@code app/target/canopy.jar} (its path comes from
 * the {@code canopy.jar} system property that the tests' pom sets). Output goes to a log file, shown
 * in assertion messages through {@link #logTail()}.
 */
public final class MonitorProcess implements AutoCloseable {

    private final Process process;
    private final Path log;
    private final int httpPort;

    private MonitorProcess(Process process, Path log, int httpPort) {
        this.process = process;
        this.log = log;
        this.httpPort = httpPort;
    }

    /** The shaded application jar; fails with the command that builds it when it is missing. */
    public static Path jar() {
        String property = System.getProperty("canopy.jar");
        Path jar = property == null ? Path.of("..", "app", "target", "canopy.jar") : Path.of(property);
        if (!Files.isRegularFile(jar)) {
            throw new AssertionError("no application jar at " + jar.toAbsolutePath().normalize()
                    + ": build it with `mvn -o install -Dmaven.test.skip=true -pl core,simulator,broker,topology,app`");
        }
        return jar.toAbsolutePath().normalize();
    }

    /**
     * Starts {@code java -jar canopy.jar run ARGS --http-port PORT} with a port picked free on 127.0.0.1,
     * appending output to {@code log}.
     */
    public static MonitorProcess startRun(List<String> args, Path log) {
        return startRun(List.of(), args, log);
    }

    /** As {@link #startRun(List, Path)}, with extra JVM options (such as {@code -Duser.home=DIR}) before {@code -jar}. */
    public static MonitorProcess startRun(List<String> jvmOptions, List<String> args, Path log) {
        int port = FreePort.pick();
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx384m");
        command.addAll(jvmOptions);
        command.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
        command.add("-Dorg.slf4j.simpleLogger.log.dev.canopy=info");
        command.add("-Dorg.slf4j.simpleLogger.showDateTime=true");
        command.add("-jar");
        command.add(jar().toString());
        command.add("run");
        command.addAll(args);
        command.add("--http-host");
        command.add("127.0.0.1");
        command.add("--http-port");
        command.add(Integer.toString(port));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        // The child must not pick up CANOPY_* / KAFKA_* settings of the machine running the tests.
        pb.environment().keySet().removeIf(k -> k.startsWith("CANOPY_") || k.startsWith("KAFKA_"));
        try {
            Files.writeString(log, "\n=== " + String.join(" ", command) + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            return new MonitorProcess(pb.start(), log, port);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command, e);
        }
    }

    public int httpPort() {
        return httpPort;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Waits for {@code /readyz} 200, failing early (with the log) if the process dies. */
    public void awaitReady() {
        Poll.until("canopy run (pid " + pid() + ") to answer /readyz 200", Monitors.READY_TIMEOUT, () -> {
            if (!process.isAlive()) {
                throw new AssertionError("canopy run exited with " + process.exitValue() + ":\n" + logTail());
            }
            return Http.get(httpPort, "/readyz").ok();
        }, ready -> ready);
    }

    /** Waits for the process to exit by itself; returns its exit status, or fails with the log after {@code timeout}. */
    public int awaitExit(java.time.Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("canopy run (pid " + pid() + ") still running after " + timeout + ":\n" + logTail());
        }
        return process.exitValue();
    }

    /** Every line of the log. */
    public List<String> logLines() {
        try {
            return Files.readAllLines(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** SIGKILL (on Linux, {@link Process#destroyForcibly()}): no shutdown hook, no commit, no leaving the group. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new AssertionError("pid " + pid() + " survived SIGKILL for 30 s");
        }
    }

    /** The last 60 lines of the log. */
    public String logTail() {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    /** SIGTERM (the shutdown hook closes the monitor), SIGKILL after 30 s. */
    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
