package dev.canopy.broker;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Properties;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.metadata.storage.Formatter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded broker's data directory: formatted on first use, its identity read back on later
 * starts, and deleted when it is a temporary one.
 */
final class BrokerStorage {

    private static final Logger LOG = LoggerFactory.getLogger(BrokerStorage.class);

    /** The node id written into a directory this class formats. */
    static final int DEFAULT_NODE_ID = 1;
    /** The file Kafka's formatter writes into each formatted directory. */
    static final String META_PROPERTIES = "meta.properties";

    private BrokerStorage() {
    }

    /** The identity of a formatted directory, as stored in its {@code meta.properties}. */
    record Identity(String clusterId, int nodeId) {
    }

    /**
     * Reads the identity of an already formatted directory, or formats it with a new cluster id.
     * Formatting uses the programmatic equivalent of {@code kafka-storage.sh format}: the metadata
     * log directory gets {@code meta.properties} plus a bootstrap snapshot (latest production
     * {@code metadata.version}, static quorum so {@code kraft.version=0}).
     *
     * @throws IllegalStateException if the directory holds an unreadable or non-KRaft
     *                               {@code meta.properties}, or cannot be formatted
     */
    static Identity formatIfNeeded(Path dir) {
        Path meta = dir.resolve(META_PROPERTIES);
        if (Files.exists(meta)) {
            return readIdentity(meta);
        }
        String clusterId = Uuid.randomUuid().toString();
        try {
            new Formatter()
                    .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                    .setNodeId(DEFAULT_NODE_ID)
                    .setClusterId(clusterId)
                    .setControllerListenerName(BrokerConfig.CONTROLLER_LISTENER)
                    .setMetadataLogDirectory(dir.toString())
                    .addDirectory(dir.toString())
                    .run();
        } catch (Exception e) {
            throw new IllegalStateException("Cannot format Kafka storage in " + dir + ": "
                    + StartFailures.rootMessage(e), e);
        }
        return new Identity(clusterId, DEFAULT_NODE_ID);
    }

    private static Identity readIdentity(Path meta) {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(meta)) {
            p.load(in);
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read " + meta + ": " + e, e);
        }
        String clusterId = p.getProperty("cluster.id");
        String nodeId = p.getProperty("node.id");
        if (clusterId == null || nodeId == null) {
            throw new IllegalStateException(meta + " is not a KRaft meta.properties (no cluster.id/node.id);"
                    + " use an empty directory or one formatted by this class");
        }
        try {
            return new Identity(clusterId, Integer.parseInt(nodeId.trim()));
        } catch (NumberFormatException e) {
            throw new IllegalStateException("Invalid node.id '" + nodeId + "' in " + meta, e);
        }
    }

    /**
     * Deletes a directory tree as far as possible; files that cannot be visited are skipped, and a
     * failure is logged, not thrown. Does nothing for {@code null} or a directory that is already gone.
     */
    static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException exc) {
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (NoSuchFileException ignored) {
            // already gone
        } catch (IOException e) {
            LOG.warn("Could not delete Kafka data directory {}: {}", dir, e.toString());
        }
    }
}
