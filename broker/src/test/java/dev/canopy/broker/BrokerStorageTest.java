package dev.canopy.broker;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BrokerStorageTest {

    @Test
    void shouldFormatAnEmptyDirectoryAndReadTheSameIdentityBack(@TempDir Path dir) throws IOException {
        BrokerStorage.Identity formatted = BrokerStorage.formatIfNeeded(dir);
        assertEquals(BrokerStorage.DEFAULT_NODE_ID, formatted.nodeId());

        Properties meta = new Properties();
        try (InputStream in = Files.newInputStream(dir.resolve(BrokerStorage.META_PROPERTIES))) {
            meta.load(in);
        }
        assertEquals(formatted.clusterId(), meta.getProperty("cluster.id"));
        assertEquals(Integer.toString(formatted.nodeId()), meta.getProperty("node.id"));

        assertEquals(formatted, BrokerStorage.formatIfNeeded(dir), "a formatted directory is reused as-is");
    }

    @Test
    void shouldGiveEachNewDirectoryItsOwnClusterId(@TempDir Path dir) throws IOException {
        String first = BrokerStorage.formatIfNeeded(Files.createDirectory(dir.resolve("a"))).clusterId();
        String second = BrokerStorage.formatIfNeeded(Files.createDirectory(dir.resolve("b"))).clusterId();
        assertFalse(first.equals(second), first + " == " + second);
    }

    @Test
    void shouldReadTheNodeIdOfADirectoryFormattedElsewhere(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve(BrokerStorage.META_PROPERTIES), "cluster.id=abc\nnode.id= 3 \nversion=1\n");
        assertEquals(new BrokerStorage.Identity("abc", 3), BrokerStorage.formatIfNeeded(dir));
    }

    @Test
    void shouldRejectMetaPropertiesWithoutAClusterId(@TempDir Path dir) throws IOException {
        Path meta = dir.resolve(BrokerStorage.META_PROPERTIES);
        Files.writeString(meta, "broker.id=0\nversion=0\n");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> BrokerStorage.formatIfNeeded(dir));
        assertTrue(e.getMessage().startsWith(meta + " is not a KRaft meta.properties"), e.getMessage());
    }

    @Test
    void shouldRejectANodeIdThatIsNotANumber(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve(BrokerStorage.META_PROPERTIES), "cluster.id=abc\nnode.id=one\n");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> BrokerStorage.formatIfNeeded(dir));
        assertTrue(e.getMessage().startsWith("Invalid node.id 'one'"), e.getMessage());
    }

    @Test
    void shouldDeleteANestedTreeAndIgnoreWhatIsAlreadyGone(@TempDir Path dir) throws IOException {
        Path root = dir.resolve("data");
        Files.createDirectories(root.resolve("topic-0"));
        Files.writeString(root.resolve("topic-0").resolve("00000000000000000000.log"), "records");
        Files.writeString(root.resolve(BrokerStorage.META_PROPERTIES), "cluster.id=abc\n");

        BrokerStorage.deleteQuietly(root);
        assertFalse(Files.exists(root));
        assertDoesNotThrow(() -> BrokerStorage.deleteQuietly(root));
        assertDoesNotThrow(() -> BrokerStorage.deleteQuietly(null));
    }
}
