package dev.canopy.app.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Linux's {@code /proc/PID/status}: its sizes ({@code VmRSS}, the resident set; {@code VmHWM}, its peak),
 * in bytes. The kernel writes them as {@code "VmRSS:     123456 kB"}.
 */
final class ProcStatus {

    /** The unit the kernel writes sizes in. */
    private static final String KIB = "kB";

    private static final long BYTES_PER_KIB = 1024;

    private ProcStatus() {
    }

    /** The sizes of a status file, by field name. */
    static Map<String, Long> read(Path status) throws IOException {
        return parse(Files.readString(status, StandardCharsets.US_ASCII));
    }

    /** The fields of the text whose value is a size in kB, in bytes; other fields are left out. */
    static Map<String, Long> parse(String text) {
        Map<String, Long> out = new HashMap<>();
        for (String line : text.split("\n")) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String[] parts = line.substring(colon + 1).trim().split("\\s+");
            if (parts.length == 2 && parts[1].equals(KIB)) {
                try {
                    out.put(line.substring(0, colon), Long.parseLong(parts[0]) * BYTES_PER_KIB);
                } catch (NumberFormatException ignored) {
                    // not a size after all
                }
            }
        }
        return out;
    }
}
