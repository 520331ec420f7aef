package dev.canopy.app;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code canopy} launcher script, run by bash in a copy of a small module tree with stand-ins for
 * {@code mvn} and {@code java} that record how they were called: it rebuilds when a source of any
 * module the jar is built from (found through the poms, transitively) is newer than the jar, and
 * only then, and it gives the JVM a bounded heap unless told otherwise.
 */
class LauncherTest {

    private static final FileTime JAR_TIME = FileTime.fromMillis(1_700_000_000_000L);
    private static final FileTime OLDER = FileTime.fromMillis(JAR_TIME.toMillis() - 60_000);
    private static final FileTime NEWER = FileTime.fromMillis(JAR_TIME.toMillis() + 60_000);

    @TempDir
    Path root;
    private Path calls;

    private Path write(String relative, String content) throws IOException {
        Path p = root.resolve(relative);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
        Files.setLastModifiedTime(p, OLDER);
        return p;
    }

    private static String pom(String artifact, String... deps) {
        StringBuilder b = new StringBuilder("<project>\n  <parent><artifactId>canopy-parent</artifactId></parent>\n  <artifactId>canopy-" + artifact + "</artifactId>\n");
        for (String d : deps) {
            b.append("    <dependency><groupId>dev.canopy</groupId><artifactId>canopy-").append(d).append("</artifactId></dependency>\n");
        }
        return b.append("</project>\n").toString();
    }

    private void stub(String name, String body) throws IOException {
        Path p = write("bin/" + name, "#!/usr/bin/env bash\n" + body + "\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @BeforeEach
    void tree() throws IOException {
        Path launcher = Path.of("..", "canopy");
        Files.copy(launcher, root.resolve("canopy"));
        write("pom.xml", "<project><artifactId>canopy-parent</artifactId></project>");
        write("app/pom.xml", pom("app", "core", "connectors"));
        write("core/pom.xml", pom("core", "simulator"));
        write("simulator/pom.xml", pom("simulator"));
        write("connectors/pom.xml", pom("connectors", "core", "semantic"));
        write("semantic/pom.xml", pom("semantic", "core"));
        write("benchmarks/pom.xml", pom("benchmarks", "app"));
        for (String m : List.of("app", "core", "simulator", "connectors", "semantic", "benchmarks")) {
            write(m + "/src/main/java/dev/canopy/X.java", "class X {}");
            write(m + "/src/test/java/dev/canopy/XTest.java", "class XTest {}");
        }
        write("semantic/src/main/resources/model.txt", "weights");
        calls = root.resolve("calls.txt");
        stub("mvn", "echo \"mvn $*\" >> '" + calls + "'");
        stub("java", "echo \"java $*\" >> '" + calls + "'");
        Files.setLastModifiedTime(write("app/target/canopy.jar", "jar"), JAR_TIME);
    }

    private List<String> run(Map<String, String> env) throws IOException, InterruptedException {
        Files.deleteIfExists(calls);
        ProcessBuilder pb = new ProcessBuilder("bash", root.resolve("canopy").toString(), "run", "--x").redirectErrorStream(true);
        pb.environment().remove("CANOPY_JAVA_OPTS");
        pb.environment().put("PATH", root.resolve("bin") + ":" + System.getenv("PATH"));
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "launcher finished");
        assertEquals(0, p.exitValue(), out);
        return Files.readAllLines(calls);
    }

    private boolean rebuildsAfterTouching(String relative) throws IOException, InterruptedException {
        Files.setLastModifiedTime(root.resolve(relative), NEWER);
        try {
            return run(Map.of()).stream().anyMatch(l -> l.startsWith("mvn "));
        } finally {
            Files.setLastModifiedTime(root.resolve(relative), OLDER);
        }
    }

    @Test
    void shouldRebuildForAnyModuleTheJarIsBuiltFromAndOnlyThose() throws Exception {
        assertFalse(run(Map.of()).stream().anyMatch(l -> l.startsWith("mvn ")), "nothing newer than the jar: no build");
        for (String source : List.of("app/src/main/java/dev/canopy/X.java", "core/src/main/java/dev/canopy/X.java",
                "connectors/src/main/java/dev/canopy/X.java", "semantic/src/main/java/dev/canopy/X.java",
                "simulator/src/main/java/dev/canopy/X.java", "semantic/src/main/resources/model.txt", "connectors/pom.xml", "pom.xml")) {
            assertTrue(rebuildsAfterTouching(source), source + " is part of the jar");
        }
        for (String other : List.of("benchmarks/src/main/java/dev/canopy/X.java", "connectors/src/test/java/dev/canopy/XTest.java")) {
            assertFalse(rebuildsAfterTouching(other), other + " is not part of the jar");
        }
    }

    @Test
    void shouldBoundTheHeapUnlessTheUserSetsOne() throws Exception {
        String java = run(Map.of()).get(0);
        assertTrue(java.contains("-Xmx1g") && java.contains("-XX:+ExitOnOutOfMemoryError"), java);
        assertTrue(java.endsWith("-jar " + root.resolve("app/target/canopy.jar") + " run --x"), java);
        String more = run(Map.of("CANOPY_JAVA_OPTS", "-Dx=1 -Dy=2")).get(0);
        assertTrue(more.contains("-Xmx1g") && more.contains("-Dx=1 -Dy=2"), more);
        String heap = run(Map.of("CANOPY_JAVA_OPTS", "-Xmx3g")).get(0);
        assertTrue(heap.contains("-Xmx3g") && !heap.contains("-Xmx1g"), heap);
        String percent = run(Map.of("CANOPY_JAVA_OPTS", "-XX:MaxRAMPercentage=50")).get(0);
        assertTrue(percent.contains("-XX:MaxRAMPercentage=50") && !percent.contains("-Xmx"), percent);
    }
}
