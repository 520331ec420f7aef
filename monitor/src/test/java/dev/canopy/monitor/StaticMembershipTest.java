package dev.canopy.monitor;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StaticMembershipTest {

    @Test
    void shouldKeepOneInstanceIdPerStateDirectoryAcrossRestarts(@TempDir Path dir) {
        String first = StaticMembership.instanceId(dir.resolve("a"), "canopy-monitor");
        assertTrue(first.startsWith("canopy-monitor-"), first);
        assertEquals(first, StaticMembership.instanceId(dir.resolve("a"), "canopy-monitor"), "the same after a restart");
        assertNotEquals(first, StaticMembership.instanceId(dir.resolve("b"), "canopy-monitor"), "another state directory is another instance");
    }

    @Test
    void shouldReplaceADamagedIdAndKeepTheReplacement(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve(StaticMembership.FILE), "not an id\n\u0000" + "x".repeat(5000));
        String id = StaticMembership.instanceId(dir, "app id/with odd chars");
        assertTrue(id.matches("[A-Za-z0-9._-]+"), id);
        assertTrue(id.startsWith("app_id_with_odd_chars-"), id);
        assertEquals(id, StaticMembership.instanceId(dir, "app id/with odd chars"));
    }

    @Test
    void shouldLeaveAConfiguredIdAndTheStreamsProtocolAlone(@TempDir Path dir) {
        Properties given = new Properties();
        given.put("group.instance.id", "mine");
        assertEquals("mine", StaticMembership.apply(given, dir, "app").get("group.instance.id"));
        Properties streamsProtocol = new Properties();
        streamsProtocol.put("group.protocol", "streams");
        assertFalse(StaticMembership.apply(streamsProtocol, dir, "app").containsKey("group.instance.id"));
        Properties plain = new Properties();
        assertEquals(StaticMembership.instanceId(dir, "app"), StaticMembership.apply(plain, dir, "app").get("group.instance.id"));
    }
}
