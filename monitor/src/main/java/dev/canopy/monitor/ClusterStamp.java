package dev.canopy.monitor;

import dev.canopy.core.UserError;
import org.apache.kafka.clients.admin.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * Ties the monitor's local state to one Kafka cluster. Kafka Streams keeps an application's state in
 * {@code <state dir>/<application id>}; its checkpoints are offsets of one cluster's topics and mean
 * nothing on another. A small file there, {@value #FILE}, names the cluster id and application id the
 * state was built from. At start:
 * <ul>
 *   <li>no state yet: the file is written and the monitor starts;</li>
 *   <li>the file names the cluster in use: the monitor starts on its state;</li>
 *   <li>the file names another cluster (a rebuilt broker, a monitor pointed elsewhere): the state is
 *       only a cache of that cluster's changelog topics, so it is deleted and rebuilt from the
 *       changelogs of the cluster in use, with one INFO line;</li>
 *   <li>the directory holds state without the file (written by a Canopy before this check, or by
 *       something else), or the file names another application id (copied by hand): Canopy cannot
 *       tell what the state is, will not delete it, and refuses to start with a {@link UserError}
 *       that names the directory and {@code --state-dir}.</li>
 * </ul>
 * A directory locked by a running Kafka Streams instance is refused too, before anything is deleted.
 */
public final class ClusterStamp {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterStamp.class);

    /** The stamp's file name inside the application's state directory. */
    public static final String FILE = "canopy-cluster.properties";
    /** Kafka Streams' own files in the application directory, which hold no state by themselves. */
    private static final Set<String> NOT_STATE = Set.of(FILE, FILE + ".tmp", ".lock", "kafka-streams-process-metadata");

    /** What {@link #claim} found. */
    public enum Outcome {
        /** No state yet; stamped for the cluster in use. */
        NEW,
        /** The state was built from the cluster in use. */
        SAME_CLUSTER,
        /** The state belonged to another cluster and was deleted. */
        RESET
    }

    private ClusterStamp() {
    }

    /** The id of the cluster at {@code bootstrap}, or a {@link UserError} when it cannot be reached. */
    public static String clusterId(Properties client, String bootstrap) {
        Properties p = new Properties();
        p.putAll(client);
        p.put("request.timeout.ms", "15000");
        p.put("default.api.timeout.ms", "30000");
        try (Admin admin = Admin.create(p)) {
            String id = admin.describeCluster().clusterId().get(30, TimeUnit.SECONDS);
            if (id == null || id.isBlank()) {
                throw new UserError("Kafka at " + bootstrap + " did not tell its cluster id; Canopy needs it to tie the state directory to the cluster");
            }
            return id;
        } catch (TimeoutException e) {
            throw new UserError("cannot reach Kafka at " + bootstrap + " within 30 s: check --bootstrap-servers and the security.* / sasl.* settings");
        } catch (ExecutionException e) {
            throw new UserError("cannot learn the cluster id of Kafka at " + bootstrap + ": " + e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UserError("interrupted while asking Kafka for its cluster id");
        }
    }

    /**
     * Makes {@code <stateDir>/<applicationId>} belong to {@code clusterId}: see the class comment.
     *
     * @throws UserError when the directory cannot be claimed (unknown state, another application id,
     *                   in use by a running instance, not writable)
     */
    public static Outcome claim(Path stateDir, String applicationId, String clusterId) {
        Path appDir = stateDir.resolve(applicationId);
        Path stamp = appDir.resolve(FILE);
        try {
            Files.createDirectories(appDir);
        } catch (IOException e) {
            throw new UserError("cannot create the state directory " + appDir + " (" + e + "): choose a writable --state-dir");
        }
        try (FileChannel channel = FileChannel.open(appDir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock lock = tryLock(channel, appDir)) {
            if (!Files.exists(stamp)) {
                if (holdsState(appDir)) {
                    throw new UserError("the state directory " + appDir + " holds Kafka Streams state that names no Kafka cluster "
                            + "(written by an earlier Canopy or another program), so Canopy will not use or delete it: delete it to rebuild "
                            + "the state from the changelog topics of cluster " + clusterId + ", or choose another --state-dir");
                }
                write(stamp, applicationId, clusterId);
                return Outcome.NEW;
            }
            Properties p = read(stamp);
            String app = p.getProperty("application.id", "");
            String cluster = p.getProperty("cluster.id", "");
            if (!app.equals(applicationId)) {
                throw new UserError("the state directory " + appDir + " belongs to application id '" + app + "', not '" + applicationId
                        + "' (was it copied?): move it back, or choose another --state-dir");
            }
            if (cluster.equals(clusterId)) {
                return Outcome.SAME_CLUSTER;
            }
            deleteContents(appDir);
            write(stamp, applicationId, clusterId);
            LOG.info("state in {} was built from Kafka cluster {}, not from {} in use: deleted it; it is rebuilt from the changelog "
                    + "topics of cluster {}", appDir, cluster.isEmpty() ? "(unknown)" : cluster, clusterId, clusterId);
            return Outcome.RESET;
        } catch (IOException e) {
            throw new UserError("cannot read or write the state directory " + appDir + " (" + e + "): check its permissions, or choose another --state-dir");
        }
    }

    private static FileLock tryLock(FileChannel channel, Path appDir) throws IOException {
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            throw new UserError("the state directory " + appDir + " is in use by another running monitor: stop it, or give this one "
                    + "another --state-dir");
        }
        return lock;
    }

    /** True when the application directory has anything beyond Kafka Streams' bookkeeping files and the stamp. */
    static boolean holdsState(Path appDir) throws IOException {
        try (Stream<Path> entries = Files.list(appDir)) {
            return entries.anyMatch(p -> !NOT_STATE.contains(p.getFileName().toString()));
        }
    }

    private static void deleteContents(Path appDir) throws IOException {
        try (Stream<Path> entries = Files.list(appDir)) {
            for (Path entry : entries.filter(p -> !p.getFileName().toString().equals(".lock")).toList()) {
                try (Stream<Path> tree = Files.walk(entry)) {
                    for (Path p : tree.sorted(Comparator.reverseOrder()).toList()) {
                        Files.delete(p);
                    }
                }
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private static Properties read(Path stamp) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(stamp)) {
            p.load(r);
        }
        return p;
    }

    private static void write(Path stamp, String applicationId, String clusterId) throws IOException {
        Properties p = new Properties();
        p.setProperty("application.id", applicationId);
        p.setProperty("cluster.id", clusterId);
        Path tmp = stamp.resolveSibling(FILE + ".tmp");
        try (Writer w = Files.newBufferedWriter(tmp)) {
            p.store(w, "The Kafka cluster this state was built from; see 'State directory' in the README");
        }
        Files.move(tmp, stamp, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
}
