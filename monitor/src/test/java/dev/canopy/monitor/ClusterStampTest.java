package dev.canopy.monitor;

import dev.canopy.core.UserError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClusterStampTest {

    @TempDir
    Path state;

    /** A task directory with a store file, as Kafka Streams leaves it. */
    private Path someState(String app) throws IOException {
        Path task = state.resolve(app).resolve("0_1").resolve("rocksdb").resolve("canopy-groups");
        Files.createDirectories(task);
        Files.writeString(task.resolve("000042.sst"), "rows");
        Files.writeString(state.resolve(app).resolve("0_1").resolve(".checkpoint"), "0\n1\ncanopy-groups-changelog 1 99\n");
        return task;
    }

    @Test
    void shouldStampAnEmptyDirectoryAndKeepStateOfTheSameCluster() throws IOException {
        assertEquals(ClusterStamp.Outcome.NEW, ClusterStamp.claim(state, "app", "cluster-A"));
        Path store = someState("app");
        assertEquals(ClusterStamp.Outcome.SAME_CLUSTER, ClusterStamp.claim(state, "app", "cluster-A"));
        assertTrue(Files.exists(store.resolve("000042.sst")), "the state of the same cluster is kept");
    }

    @Test
    void shouldDeleteStateOfAnotherClusterAndStampTheNewOne() throws IOException {
        ClusterStamp.claim(state, "app", "cluster-A");
        Path store = someState("app");
        Files.writeString(state.resolve("app").resolve("kafka-streams-process-metadata"), "{}");
        Path otherApp = someState("other-app");

        assertEquals(ClusterStamp.Outcome.RESET, ClusterStamp.claim(state, "app", "cluster-B"));

        assertFalse(Files.exists(store), "another cluster's state is deleted");
        assertFalse(Files.exists(state.resolve("app").resolve("0_1")));
        assertFalse(ClusterStamp.holdsState(state.resolve("app")));
        assertTrue(Files.exists(otherApp.resolve("000042.sst")), "another application id's state is left alone");
        assertTrue(Files.readString(state.resolve("app").resolve(ClusterStamp.FILE)).contains("cluster.id=cluster-B"));
        assertEquals(ClusterStamp.Outcome.SAME_CLUSTER, ClusterStamp.claim(state, "app", "cluster-B"));
    }

    @Test
    void shouldRefuseStateThatNamesNoClusterAndKeepIt() throws IOException {
        Path store = someState("app");
        UserError e = assertThrows(UserError.class, () -> ClusterStamp.claim(state, "app", "cluster-A"));
        assertTrue(e.getMessage().contains(state.resolve("app").toString()), e.getMessage());
        assertTrue(e.getMessage().contains("--state-dir"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        assertTrue(Files.exists(store.resolve("000042.sst")), "unknown state is not deleted");
        assertFalse(Files.exists(state.resolve("app").resolve(ClusterStamp.FILE)), "nor stamped");
    }

    @Test
    void shouldNotCountKafkaStreamsBookkeepingAsState() throws IOException {
        Path app = Files.createDirectories(state.resolve("app"));
        Files.writeString(app.resolve("kafka-streams-process-metadata"), "{}");
        Files.writeString(app.resolve(".lock"), "");
        assertEquals(ClusterStamp.Outcome.NEW, ClusterStamp.claim(state, "app", "cluster-A"));
    }

    @Test
    void shouldRefuseAStampOfAnotherApplicationId() throws IOException {
        ClusterStamp.claim(state, "app", "cluster-A");
        Path store = someState("app");
        Files.move(state.resolve("app"), state.resolve("copy"));
        UserError e = assertThrows(UserError.class, () -> ClusterStamp.claim(state, "copy", "cluster-B"));
        assertTrue(e.getMessage().contains("'app'"), e.getMessage());
        assertTrue(Files.exists(state.resolve("copy").resolve("0_1")), "kept");
        assertFalse(Files.exists(store), "moved away with the copy");
    }

    @Test
    void shouldRefuseADirectoryLockedByARunningInstanceBeforeDeletingAnything() throws IOException {
        ClusterStamp.claim(state, "app", "cluster-A");
        Path store = someState("app");
        try (FileChannel ch = FileChannel.open(state.resolve("app").resolve(".lock"), StandardOpenOption.WRITE);
             FileLock held = ch.lock()) {
            UserError e = assertThrows(UserError.class, () -> ClusterStamp.claim(state, "app", "cluster-B"));
            assertTrue(e.getMessage().contains("in use"), e.getMessage());
        }
        assertTrue(Files.exists(store.resolve("000042.sst")));
    }

    @Test
    void shouldNameTheDirectoryWhenItCannotBeCreated() throws IOException {
        Path file = Files.writeString(state.resolve("a-file"), "x");
        UserError e = assertThrows(UserError.class, () -> ClusterStamp.claim(file, "app", "cluster-A"));
        assertTrue(e.getMessage().contains("--state-dir"), e.getMessage());
    }
}
