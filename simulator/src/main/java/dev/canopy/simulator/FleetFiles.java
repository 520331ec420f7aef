package dev.canopy.simulator;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * Writes a fleet's records to a JSONL file (one record value per line, keys dropped; the rollout id is in
 * the value), gzip-compressed (fastest level) when the file name ends with {@code .gz}. The file is created or
 * truncated. Malformed records are written as they are (each is a single line), so a replay sees the same
 * contract violations a broker would.
 */
public final class FleetFiles {

    private static final int BUFFER = 1 << 16;

    private FleetFiles() {
    }

    /** gzip at the fastest deflate level: these are test and benchmark inputs, written often. */
    private static final class FastGzip extends GZIPOutputStream {
        FastGzip(OutputStream out) throws IOException {
            super(out, BUFFER);
            def.setLevel(Deflater.BEST_SPEED);
        }
    }

    /**
     * Writes the whole (bounded) stream of a fleet.
     *
     * @throws IllegalStateException if the fleet is unbounded
     */
    public static FleetStats write(Path path, SimulatedFleet fleet) throws IOException {
        if (fleet.totalRollouts() == Long.MAX_VALUE) {
            throw new IllegalStateException("unbounded fleet: pass maxRecords");
        }
        return write(path, fleet, Long.MAX_VALUE);
    }

    /** Writes at most {@code maxRecords} records of a fleet (from a fresh cursor). */
    public static FleetStats write(Path path, SimulatedFleet fleet, long maxRecords) throws IOException {
        boolean gzip = path.getFileName() != null && path.getFileName().toString().endsWith(".gz");
        try (OutputStream raw = Files.newOutputStream(path);
             OutputStream out = new BufferedOutputStream(gzip ? new FastGzip(raw) : raw, BUFFER)) {
            try {
                return fleet.emit((key, value) -> {
                    try {
                        out.write(value);
                        out.write('\n');
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }, maxRecords);
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
        }
    }
}
