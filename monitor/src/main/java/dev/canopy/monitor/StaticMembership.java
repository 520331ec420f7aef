package dev.canopy.monitor;

import dev.canopy.core.UserError;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Properties;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Static group membership: each state directory gets a stable {@code group.instance.id}, kept in the
 * file {@value #FILE} inside it. An instance restarted after a crash on the same state directory then
 * takes its own place in the consumer group back at once, instead of waiting for the session of its
 * dead predecessor to expire. A {@code group.instance.id} given in the configuration wins; with
 * {@code group.protocol=streams} none is set.
 */
public final class StaticMembership {

    /** The file, in the state directory, that holds the instance id. */
    public static final String FILE = "canopy-instance-id";
    private static final Logger LOG = LoggerFactory.getLogger(StaticMembership.class);
    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9._-]{1,200}");

    private StaticMembership() {
    }

    /** Sets {@code group.instance.id} in {@code streams} unless it is set; returns {@code streams}. */
    public static Properties apply(Properties streams, Path stateDir, String applicationId) {
        // the streams rebalance protocol has no static membership
        boolean classic = !"streams".equalsIgnoreCase(String.valueOf(streams.getOrDefault("group.protocol", "classic")).strip());
        if (classic && !streams.containsKey(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG)) {
            streams.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, instanceId(stateDir, applicationId));
        }
        return streams;
    }

    /** The instance id kept in {@code stateDir}, created on first use (a damaged file is replaced). */
    public static String instanceId(Path stateDir, String applicationId) {
        Path file = stateDir.resolve(FILE);
        try {
            if (Files.isRegularFile(file) && Files.size(file) <= 1024) {
                String id = Files.readString(file, StandardCharsets.UTF_8).strip();
                if (VALID.matcher(id).matches()) {
                    return id;
                }
                LOG.warn("{} does not hold a valid instance id; writing a new one", file);
            }
            Files.createDirectories(stateDir);
            String prefix = applicationId.replaceAll("[^A-Za-z0-9._-]", "_");
            String id = prefix.substring(0, Math.min(prefix.length(), 100)) + "-" + UUID.randomUUID();
            Path tmp = Files.createTempFile(stateDir, FILE, ".tmp");
            Files.writeString(tmp, id + "\n", StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return id;
        } catch (IOException e) {
            throw new UserError("cannot keep the instance id in the state directory " + stateDir + " (" + e.getMessage()
                    + "): give a writable --state-dir");
        }
    }
}
