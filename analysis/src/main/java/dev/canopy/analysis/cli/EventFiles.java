package dev.canopy.analysis.cli;

import dev.canopy.core.UserError;

import dev.canopy.core.replay.JsonLines;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.ZipException;

/** Event files given on the command line: checked up front, then read as one stream in the order given. */
public final class EventFiles {

    private EventFiles() {
    }

    /**
     * Checks that every file exists and returns their total size in bytes.
     *
     * @param fix what the user should give instead, named in the error
     */
    public static long totalSize(List<Path> files, String fix) throws IOException {
        long total = 0;
        for (Path f : files) {
            if (!Files.isRegularFile(f)) {
                throw new UserError("input file not found: " + f + " (" + fix + ")");
            }
            total += Files.size(f);
        }
        return total;
    }

    /** Feeds every line of every file, in order, to {@code lines}; raw bytes read are added to {@code bytesRead}. */
    public static void feed(List<Path> files, AtomicLong bytesRead, JsonLines.LineConsumer lines) throws IOException {
        for (Path f : files) {
            try (InputStream in = JsonLines.open(f, bytesRead)) {
                JsonLines.forEach(in, lines);
            } catch (NoSuchFileException e) {
                throw new UserError("input file not found: " + f);
            } catch (ZipException e) {
                throw new UserError(f + " looks gzip-compressed but is corrupt: " + e.getMessage());
            }
        }
    }
}
