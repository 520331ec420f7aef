package dev.canopy.core.config;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigKeyTest {

    @Test
    void integerKeysParseAndCheckTheirRange() {
        ConfigKey<Integer> k = ConfigKey.integer("canopy.test.count", ConfigGroup.STATISTICS, 5, 1, 10, "a count");
        assertEquals(7, k.parse(" 7 "));
        assertEquals(5, k.defaultValue());
        assertEquals("1 … 10", k.validValues());
        ConfigKey.InvalidValue tooBig = assertThrows(ConfigKey.InvalidValue.class, () -> k.parse("11"));
        assertEquals("canopy.test.count", tooBig.key());
        assertEquals("11", tooBig.value());
        assertEquals("use a whole number from 1 to 10", tooBig.fix());
        assertEquals("invalid value '11' for canopy.test.count: use a whole number from 1 to 10", tooBig.getMessage());
        assertEquals("use a whole number from 1 to 10", assertThrows(ConfigKey.InvalidValue.class, () -> k.parse("seven")).fix());
        assertThrows(ConfigKey.InvalidValue.class, () -> k.check(0));
        assertEquals(10, k.check(10));
    }

    @Test
    void unboundedIntegersSayAtLeast() {
        ConfigKey<Integer> k = ConfigKey.integer("canopy.test.min", ConfigGroup.STATISTICS, 2, 2, Integer.MAX_VALUE, "d");
        assertEquals("≥ 2", k.validValues());
        assertEquals("use a whole number of at least 2", assertThrows(ConfigKey.InvalidValue.class, () -> k.parse("1")).fix());
    }

    @Test
    void aDefaultThatBreaksItsOwnRuleIsRejectedAtDefinition() {
        assertThrows(ConfigKey.InvalidValue.class,
                () -> ConfigKey.integer("canopy.test.bad", ConfigGroup.STATISTICS, 0, 1, 10, "d"));
        assertThrows(ConfigKey.InvalidValue.class,
                () -> ConfigKey.oneOf("canopy.test.bad", ConfigGroup.STREAMS, "maybe", List.of("yes", "no"), "d"));
    }

    @Test
    void durationsAcceptShortFormsAndIso() {
        assertEquals(Duration.ofMillis(500), ConfigKey.parseDuration("500ms"));
        assertEquals(Duration.ofSeconds(30), ConfigKey.parseDuration("30s"));
        assertEquals(Duration.ofMinutes(10), ConfigKey.parseDuration(" 10m "));
        assertEquals(Duration.ofHours(1), ConfigKey.parseDuration("1h"));
        assertEquals(Duration.ofDays(7), ConfigKey.parseDuration("7d"));
        assertEquals(Duration.ofMinutes(10), ConfigKey.parseDuration("PT10M"));
        assertThrows(IllegalArgumentException.class, () -> ConfigKey.parseDuration("ten minutes"));
    }

    @Test
    void graceAndTtlRejectNegativeDurations() {
        assertEquals(Duration.ZERO, CanopyConfig.WINDOW_GRACE.parse("0s"));
        ConfigKey.InvalidValue e = assertThrows(ConfigKey.InvalidValue.class, () -> CanopyConfig.WINDOW_GRACE.parse("-PT5M"));
        assertEquals("canopy.window.grace", e.key());
        assertTrue(e.fix().startsWith("use a duration that is not negative"), e.fix());
        assertThrows(ConfigKey.InvalidValue.class, () -> CanopyConfig.METRICS_RELEASE_TTL.check(Duration.ofDays(-1)));
        assertThrows(ConfigKey.InvalidValue.class, () -> CanopyConfig.WINDOW_SIZE.parse("0s"));
        assertThrows(ConfigKey.InvalidValue.class, () -> CanopyConfig.WINDOW_SIZE.parse("soon"));
    }

    @Test
    void boundedDurationsNameTheirRange() {
        assertEquals(Duration.ofSeconds(2), CanopyConfig.PEER_TIMEOUT.defaultValue());
        assertEquals("use a duration from 100ms to 60s",
                assertThrows(ConfigKey.InvalidValue.class, () -> CanopyConfig.PEER_TIMEOUT.parse("2m")).fix());
    }

    @Test
    void numbersBetweenBoundsAreExclusive() {
        assertEquals(0.05, CanopyConfig.SHIFT_ALPHA.defaultValue());
        assertThrows(ConfigKey.InvalidValue.class, () -> CanopyConfig.SHIFT_ALPHA.parse("1"));
        assertThrows(ConfigKey.InvalidValue.class, () -> CanopyConfig.SHIFT_ALPHA.check(0.0));
        assertEquals("(0, 1)", CanopyConfig.SHIFT_ALPHA.validValues());
        assertThrows(ConfigKey.InvalidValue.class, () -> CanopyConfig.SEMANTIC_MAX_RATE.parse("Infinity"));
        assertEquals(100.0, CanopyConfig.SEMANTIC_MAX_RATE.defaultValue());
    }

    @Test
    void booleansAndChoicesAndPatterns() {
        assertEquals(true, CanopyConfig.SEMANTIC_ENABLED.parse("TRUE"));
        assertEquals("use true or false",
                assertThrows(ConfigKey.InvalidValue.class, () -> CanopyConfig.SEMANTIC_ENABLED.parse("yes")).fix());
        assertEquals("use exactly_once_v2 or at_least_once",
                assertThrows(ConfigKey.InvalidValue.class, () -> CanopyConfig.PROCESSING_GUARANTEE.parse("exactly_once")).fix());
        assertThrows(ConfigKey.InvalidValue.class, () -> CanopyConfig.APPLICATION_ID.parse("..."));
        assertEquals("my.app-1", CanopyConfig.APPLICATION_ID.parse("my.app-1"));
        assertThrows(ConfigKey.InvalidValue.class, () -> CanopyConfig.TOPIC_TOKENS.parse("has space"));
        assertEquals(-1, CanopyConfig.TOPIC_REPLICATION_FACTOR.parse("-1"));
        assertThrows(ConfigKey.InvalidValue.class, () -> CanopyConfig.TOPIC_REPLICATION_FACTOR.parse("0"));
        assertThrows(ConfigKey.InvalidValue.class, () -> CanopyConfig.TOPIC_REPLICATION_FACTOR.parse("40000"));
    }

    @Test
    void keysAreUniqueAndFoundByNameAndVariable() {
        Set<String> names = new HashSet<>();
        for (ConfigKey<?> k : CanopyConfig.KEYS) {
            assertTrue(k.name().startsWith("canopy."), k.name());
            assertTrue(names.add(k.name()), "defined twice: " + k.name());
            assertTrue(k.defaultText().isEmpty() || k.defaultValue() != null, k.name());
            assertFalse(k.doc().isBlank(), k.name());
        }
        assertEquals(CanopyConfig.WINDOW_SIZE, CanopyConfig.key("canopy.window.size").orElseThrow());
        assertEquals("CANOPY_WINDOW_SIZE", CanopyConfig.WINDOW_SIZE.envName());
        assertEquals(CanopyConfig.WINDOW_SIZE, CanopyConfig.keyOfEnvironmentVariable("CANOPY_WINDOW_SIZE").orElseThrow());
        assertTrue(CanopyConfig.key("canopy.window.sise").isEmpty());
        assertNull(CanopyConfig.BOOTSTRAP_SERVERS.defaultValue());
        assertEquals(CanopyConfig.TOKENS_TOPIC, CanopyConfig.TOPIC_TOKENS.defaultValue());
    }
}
