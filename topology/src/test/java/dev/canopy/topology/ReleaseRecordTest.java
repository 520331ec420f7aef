package dev.canopy.topology;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class ReleaseRecordTest {

    @Test
    void shouldNotLetAReleaseWhoseNamesShareTheKeyStandForAnother() {
        ReleaseRecord announced = new ReleaseRecord("a", "b@c", 1, "base", "announced");
        Map<String, byte[]> store = new HashMap<>();
        store.put(announced.key(), announced.toJson());
        assertEquals("a@b@c", announced.key());
        assertEquals(announced, ReleaseRecord.lookup(store::get, "a", "b@c"));
        assertNull(ReleaseRecord.lookup(store::get, "a@b", "c"), "model a@b, release c has the same key but is another release");
        assertNull(ReleaseRecord.lookup(store::get, "a", "b"));
    }
}
