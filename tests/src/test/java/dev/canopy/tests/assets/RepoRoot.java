package dev.canopy.tests.assets;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the repository root: the nearest directory, from the working directory up, holding {@code grafana/} and {@code compose/}. */
public final class RepoRoot {

    private RepoRoot() {
    }

    /** @throws IllegalStateException when no parent of the working directory holds both folders */
    public static Path find() {
        Path start = Path.of("").toAbsolutePath();
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("grafana")) && Files.isDirectory(dir.resolve("compose"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no directory holding grafana/ and compose/ above " + start);
    }
}
