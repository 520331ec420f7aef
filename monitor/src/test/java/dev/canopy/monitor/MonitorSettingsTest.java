package dev.canopy.monitor;

import dev.canopy.core.UserError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MonitorSettingsTest {

    private static final Map<String, String> BOOTSTRAP = Map.of("canopy.bootstrap.servers", "127.0.0.1:9092");

    @Test
    void shouldApplyDefaults() {
        MonitorSettings s = MonitorSettings.resolve(BOOTSTRAP, Map.of(), null);
        assertEquals(9400, s.httpPort());
        assertEquals("canopy.tokens", s.monitor().topics().tokens());
        assertEquals(Duration.ofMinutes(10), s.monitor().idleTimeout());
        assertEquals("exactly_once_v2", s.processingGuarantee());
    }

    @Test
    void shouldKeepStateUnderTheUsersHomeNotTheTempDirectory() {
        MonitorSettings s = MonitorSettings.resolve(BOOTSTRAP, Map.of(), null);
        assertEquals(Path.of(System.getProperty("user.home"), ".canopy", "state"), s.stateDir());
        assertTrue(!s.stateDir().startsWith(Path.of(System.getProperty("java.io.tmpdir"))), s.stateDir().toString());
        MonitorSettings given = MonitorSettings.resolve(Map.of("canopy.bootstrap.servers", "b:1", "canopy.state.dir", "/srv/canopy"), Map.of(), null);
        assertEquals(Path.of("/srv/canopy"), given.stateDir());
    }

    @Test
    void shouldRejectAnApplicationIdThatIsNotADirectoryNameOfItsOwn() {
        for (String bad : new String[] {"..", "../../etc", "a/b", "", "x".repeat(201), "mon itor"}) {
            UserError e = assertThrows(UserError.class, () -> MonitorSettings.resolve(
                    Map.of("canopy.bootstrap.servers", "b:1", "canopy.application.id", bad), Map.of(), null), bad);
            assertTrue(e.getMessage().contains("canopy.application.id"), e.getMessage());
        }
        assertEquals("canopy-monitor.v2_a", MonitorSettings.resolve(
                Map.of("canopy.bootstrap.servers", "b:1", "canopy.application.id", "canopy-monitor.v2_a"), Map.of(), null).applicationId());
    }

    @Test
    void shouldLetFlagsBeatEnvironmentAndEnvironmentBeatTheFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("canopy.properties");
        Files.writeString(file, "canopy.window.size=2h\ncanopy.http.port=9500\nsecurity.protocol=SSL\n");
        MonitorSettings s = MonitorSettings.resolve(Map.of("canopy.bootstrap.servers", "b:1", "canopy.http.port", "9600"),
                Map.of("CANOPY_WINDOW_SIZE", "30m", "KAFKA_SASL_MECHANISM", "PLAIN", "KAFKA_HEAP_OPTS", "-Xmx1g"), file);
        assertEquals(9600, s.httpPort());
        assertEquals(Duration.ofMinutes(30), s.monitor().windowSize());
        assertEquals("SSL", s.kafka().get("security.protocol"));
        assertEquals("PLAIN", s.kafka().get("sasl.mechanism"));
        assertTrue(!s.kafka().containsKey("heap.opts"), "KAFKA_* variables that are not client settings are not passed on");
        assertEquals("SSL", s.streamsProperties(null).get("security.protocol"));
    }

    @Test
    void shouldNameTheKeyAndTheFixForABadValue() {
        UserError e = assertThrows(UserError.class, () -> MonitorSettings.resolve(BOOTSTRAP, Map.of("CANOPY_WINDOW_SIZE", "soon"), null));
        assertTrue(e.getMessage().contains("canopy.window.size"), e.getMessage());
        assertTrue(e.getMessage().contains("CANOPY_WINDOW_SIZE"), e.getMessage());
        assertTrue(e.getMessage().contains("30s"), "the message shows a valid form: " + e.getMessage());
    }

    @Test
    void shouldRejectAWindowThatIsNotAMultipleOfTheAdvance() {
        UserError e = assertThrows(UserError.class, () -> MonitorSettings.resolve(
                Map.of("canopy.bootstrap.servers", "b:1", "canopy.window.size", "90s", "canopy.window.advance", "1m"), Map.of(), null));
        assertTrue(e.getMessage().contains("canopy.window.advance"), e.getMessage());
    }

    @Test
    void shouldRejectUnknownKeysInTheFileAndEnvironment(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("c.properties");
        Files.writeString(file, "securty.protocol=SSL\n");
        UserError e = assertThrows(UserError.class, () -> MonitorSettings.resolve(BOOTSTRAP, Map.of(), file));
        assertTrue(e.getMessage().contains("securty.protocol"), e.getMessage());
        UserError env = assertThrows(UserError.class, () -> MonitorSettings.resolve(BOOTSTRAP, Map.of("CANOPY_WINDOW_SIZ", "1h"), null));
        assertTrue(env.getMessage().contains("CANOPY_WINDOW_SIZ"), env.getMessage());
    }

    @Test
    void shouldRejectAnUnknownCanopyKeyInTheFileNamingIt(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("c.properties");
        Files.writeString(file, "canopy.window.sise=2h\n");
        UserError e = assertThrows(UserError.class, () -> MonitorSettings.resolve(BOOTSTRAP, Map.of(), file));
        assertTrue(e.getMessage().contains("'canopy.window.sise'") && e.getMessage().contains("docs/configuration.md"), e.getMessage());
    }

    @Test
    void shouldRejectANegativeGraceOrReleaseTtl() {
        UserError grace = assertThrows(UserError.class, () -> MonitorSettings.resolve(BOOTSTRAP, Map.of("CANOPY_WINDOW_GRACE", "-PT1M"), null));
        assertTrue(grace.getMessage().contains("canopy.window.grace") && grace.getMessage().contains("not negative"), grace.getMessage());
        UserError ttl = assertThrows(UserError.class, () -> MonitorSettings.resolve(BOOTSTRAP, Map.of("CANOPY_METRICS_RELEASE_TTL", "-P1D"), null));
        assertTrue(ttl.getMessage().contains("canopy.metrics.release.ttl") && ttl.getMessage().contains("not negative"), ttl.getMessage());
        assertEquals(Duration.ZERO, MonitorSettings.resolve(BOOTSTRAP, Map.of("CANOPY_WINDOW_GRACE", "0s"), null).monitor().windowGrace());
    }

    @Test
    void shouldNameTheKafkaVariableABadClientSettingCameFrom() {
        UserError e = assertThrows(UserError.class,
                () -> MonitorSettings.resolve(BOOTSTRAP, Map.of("KAFKA_SECURITY_PROTOCOL", "TELEPATHY"), null));
        assertTrue(e.getMessage().contains("security.protocol") && e.getMessage().contains("KAFKA_SECURITY_PROTOCOL"), e.getMessage());
    }

    @Test
    void shouldRejectAFlagThatIsNoConfigurationKey() {
        assertThrows(IllegalArgumentException.class,
                () -> MonitorSettings.resolve(Map.of("canopy.bootstrap.servers", "b:1", "canopy.no.such.key", "1"), Map.of(), null));
    }

    @Test
    void shouldRejectAnInvalidKafkaSettingNamingItAndWhereItCameFrom(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("c.properties");
        Files.writeString(file, "security.protocol=TELEPATHY\n");
        UserError e = assertThrows(UserError.class, () -> MonitorSettings.resolve(BOOTSTRAP, Map.of(), file));
        assertTrue(e.getMessage().contains("security.protocol"), e.getMessage());
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }

    @Test
    void shouldReadSemanticSettingsAndNameTheKeyOfABadOne() {
        MonitorSettings off = MonitorSettings.resolve(BOOTSTRAP, Map.of(), null);
        assertEquals(false, off.monitor().semantic().enabled(), "off by default: it keeps generated text");
        MonitorSettings on = MonitorSettings.resolve(Map.of("canopy.bootstrap.servers", "b:1", "canopy.semantic.enabled", "true"),
                Map.of("CANOPY_SEMANTIC_PER_PROMPT", "8", "CANOPY_SEMANTIC_MAX_RATE", "12.5"), null);
        assertEquals(true, on.monitor().semantic().enabled());
        assertEquals(8, on.monitor().semantic().perPrompt());
        assertEquals(12.5, on.monitor().semantic().maxRate());
        UserError e = assertThrows(UserError.class, () -> MonitorSettings.resolve(BOOTSTRAP, Map.of("CANOPY_SEMANTIC_ENABLED", "yes"), null));
        assertTrue(e.getMessage().contains("canopy.semantic.enabled") && e.getMessage().contains("true or false"), e.getMessage());
        UserError k = assertThrows(UserError.class, () -> MonitorSettings.resolve(BOOTSTRAP, Map.of("CANOPY_SEMANTIC_PER_PROMPT", "1"), null));
        assertTrue(k.getMessage().contains("canopy.semantic.per.prompt") && k.getMessage().contains("at least 2"), k.getMessage());
        UserError r = assertThrows(UserError.class, () -> MonitorSettings.resolve(BOOTSTRAP, Map.of("CANOPY_SEMANTIC_MAX_RATE", "0"), null));
        assertTrue(r.getMessage().contains("canopy.semantic.max.rate"), r.getMessage());
        UserError f = assertThrows(UserError.class, () -> MonitorSettings.resolve(BOOTSTRAP, Map.of("CANOPY_SEMANTIC_MAX_RATE", "fast"), null));
        assertTrue(f.getMessage().contains("CANOPY_SEMANTIC_MAX_RATE") && f.getMessage().contains("positive number, such as 100"), f.getMessage());
        assertEquals(10_000, off.monitor().semantic().backlog(), "the default backlog bound");
        assertEquals(250, MonitorSettings.resolve(BOOTSTRAP, Map.of("CANOPY_SEMANTIC_BACKLOG", "250"), null).monitor().semantic().backlog());
        for (String bad : new String[] {"0", "-5", "many", "99999999999"}) {
            UserError b = assertThrows(UserError.class, () -> MonitorSettings.resolve(BOOTSTRAP, Map.of("CANOPY_SEMANTIC_BACKLOG", bad), null));
            assertTrue(b.getMessage().contains("CANOPY_SEMANTIC_BACKLOG") && b.getMessage().contains("whole number"), b.getMessage());
        }
    }

    @Test
    void shouldReadTheInputLimitsAndNameTheKeyOfABadOne() {
        MonitorSettings defaults = MonitorSettings.resolve(BOOTSTRAP, Map.of(), null);
        assertEquals(dev.canopy.core.events.EventParser.Limits.DEFAULTS, defaults.monitor().statistics().limits());
        MonitorSettings set = MonitorSettings.resolve(BOOTSTRAP, Map.of("CANOPY_MAX_POSITION", "65535", "CANOPY_MAX_NAME_BYTES", "64"), null);
        assertEquals(new dev.canopy.core.events.EventParser.Limits(65_535, 64), set.monitor().statistics().limits());
        UserError e = assertThrows(UserError.class, () -> MonitorSettings.resolve(BOOTSTRAP, Map.of("CANOPY_MAX_NAME_BYTES", "0"), null));
        assertTrue(e.getMessage().contains("canopy.max.name.bytes"), e.getMessage());
        UserError p = assertThrows(UserError.class, () -> MonitorSettings.resolve(BOOTSTRAP, Map.of("CANOPY_MAX_POSITION", "2147483647"), null));
        assertTrue(p.getMessage().contains("canopy.max.position"), p.getMessage());
    }

    @Test
    void shouldFailOverFastByDefaultAndLetTheConfigurationOverrideIt(@TempDir Path dir) throws IOException {
        java.util.Properties p = MonitorSettings.resolve(BOOTSTRAP, Map.of(), null).streamsProperties(null);
        assertEquals("1", p.get("num.standby.replicas"), "a standby copy of each task's state on another instance");
        assertEquals("10000", p.get("session.timeout.ms"), "a killed instance is noticed after 10 s, not 45 s");
        assertEquals("2500", p.get("heartbeat.interval.ms"));
        assertEquals("true", p.get("enable.transactional.statestores"), "under exactly-once, a crash does not wipe the stores");
        assertEquals(null, MonitorSettings.resolve(Map.of("canopy.bootstrap.servers", "b:1", "canopy.processing.guarantee", "at_least_once"),
                Map.of(), null).streamsProperties(null).get("enable.transactional.statestores"));
        Path file = dir.resolve("c.properties");
        Files.writeString(file, "num.standby.replicas=0\nsession.timeout.ms=45000\nheartbeat.interval.ms=3000\nenable.transactional.statestores=false\n");
        java.util.Properties q = MonitorSettings.resolve(BOOTSTRAP, Map.of(), file).streamsProperties(null);
        assertEquals("0", q.get("num.standby.replicas"));
        assertEquals("45000", q.get("session.timeout.ms"));
        assertEquals("3000", q.get("heartbeat.interval.ms"));
        assertEquals("false", q.get("enable.transactional.statestores"));
    }

    @Test
    void shouldSendLargeStateRecordsAndBoundRocksDbByDefault(@TempDir Path dir) throws IOException {
        java.util.Properties p = MonitorSettings.resolve(BOOTSTRAP, Map.of(), null).streamsProperties(null);
        assertEquals(Integer.toString(64 << 20), p.get("max.request.size"));
        assertTrue(Long.parseLong((String) p.get("buffer.memory")) > (64L << 20),
                "a record larger than buffer.memory is refused too");
        assertEquals(BoundedRocksDb.class.getName(), p.get("rocksdb.config.setter"));
        Path file = dir.resolve("c.properties");
        Files.writeString(file, "max.request.size=2097152\n");
        java.util.Properties q = MonitorSettings.resolve(BOOTSTRAP, Map.of(), file).streamsProperties(null);
        assertEquals("2097152", q.get("max.request.size"));
    }

    @Test
    void shouldBoundThePeerTimeoutAndNameTheKeyOfABadOne() {
        assertEquals(Duration.ofSeconds(2), MonitorSettings.resolve(BOOTSTRAP, Map.of(), null).peerTimeout());
        assertEquals(Duration.ofMillis(500), MonitorSettings.resolve(BOOTSTRAP, Map.of("CANOPY_PEER_TIMEOUT", "500ms"), null).peerTimeout());
        for (String bad : new String[] {"0s", "10ms", "2h", "soon", "-1s"}) {
            UserError e = assertThrows(UserError.class, () -> MonitorSettings.resolve(BOOTSTRAP, Map.of("CANOPY_PEER_TIMEOUT", bad), null), bad);
            assertTrue(e.getMessage().contains("canopy.peer.timeout") && e.getMessage().contains("CANOPY_PEER_TIMEOUT"), e.getMessage());
        }
    }

    @Test
    void shouldRequireBootstrapServers() {
        UserError e = assertThrows(UserError.class, () -> MonitorSettings.resolve(Map.of(), Map.of(), null));
        assertTrue(e.getMessage().contains("--bootstrap-servers"), e.getMessage());
    }
}
