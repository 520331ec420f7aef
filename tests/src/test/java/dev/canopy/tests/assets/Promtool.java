package dev.canopy.tests.assets;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs Prometheus's promtool as a real process. A missing promtool fails the test: it is a required tool. */
final class Promtool {

    /** What a promtool run printed (stdout and stderr together) and its exit code. */
    record Result(int exitCode, String output) {
    }

    private static final Path DEBIAN = Path.of("/usr/bin/promtool");

    private Promtool() {
    }

    static Result run(Path workingDirectory, String... args) {
        List<String> command = new ArrayList<>();
        command.add(executable().toString());
        command.addAll(List.of(args));
        try {
            Process process = new ProcessBuilder(command).directory(workingDirectory.toFile()).redirectErrorStream(true).start();
            process.getOutputStream().close();
            byte[] output = process.getInputStream().readAllBytes();
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                fail("promtool " + String.join(" ", args) + " did not finish within 120 s");
            }
            return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + command, e);
        }
    }

    /** /usr/bin/promtool, else the first promtool on PATH; fails the calling test when there is none. */
    static Path executable() {
        if (Files.isExecutable(DEBIAN)) {
            return DEBIAN;
        }
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(java.io.File.pathSeparator)) {
            Path candidate = Path.of(dir, "promtool");
            if (!dir.isEmpty() && Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return fail("promtool not found at " + DEBIAN + " nor on PATH: install it with `apt-get install prometheus`"
                + " (Debian's package ships /usr/bin/promtool); the Prometheus rule and config checks need it.");
    }
}
