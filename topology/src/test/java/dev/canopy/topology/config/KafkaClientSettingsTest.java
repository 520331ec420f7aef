package dev.canopy.topology.config;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KafkaClientSettingsTest {

    @Test
    void kafkaVariablesThatNameAClientSettingBecomeThatSetting() {
        Map<String, String> env = Map.of(
                "KAFKA_SECURITY_PROTOCOL", " SASL_SSL ",
                "KAFKA_SASL_MECHANISM", "PLAIN",
                "KAFKA_MAX_REQUEST_SIZE", "1048576",
                "KAFKA_NUM_STREAM_THREADS", "2",
                "KAFKA_HEAP_OPTS", "-Xmx1g",
                "CANOPY_WINDOW_SIZE", "1h",
                "PATH", "/usr/bin");
        assertEquals(Map.of(
                "security.protocol", "SASL_SSL",
                "sasl.mechanism", "PLAIN",
                "max.request.size", "1048576",
                "num.stream.threads", "2"), KafkaClientSettings.fromEnvironment(env));
    }

    @Test
    void settingOfIgnoresOtherVariables() {
        assertEquals(Optional.of("ssl.truststore.location"), KafkaClientSettings.settingOf("KAFKA_SSL_TRUSTSTORE_LOCATION"));
        assertEquals(Optional.empty(), KafkaClientSettings.settingOf("KAFKA_HEAP_OPTS"));
        assertEquals(Optional.empty(), KafkaClientSettings.settingOf("SECURITY_PROTOCOL"));
        assertEquals(Optional.empty(), KafkaClientSettings.settingOf("KAFKA_"));
    }

    @Test
    void knowsEveryKindOfClientSetting() {
        assertTrue(KafkaClientSettings.isClientSetting("security.protocol"));
        assertTrue(KafkaClientSettings.isClientSetting("acks"));
        assertTrue(KafkaClientSettings.isClientSetting("max.poll.records"));
        assertTrue(KafkaClientSettings.isClientSetting("commit.interval.ms"));
        assertFalse(KafkaClientSettings.isClientSetting("canopy.window.size"));
        assertFalse(KafkaClientSettings.isClientSetting("security.protocoll"));
    }

    @Test
    void variableOfIsTheInverseOfSettingOf() {
        assertEquals("KAFKA_SECURITY_PROTOCOL", KafkaClientSettings.variableOf("security.protocol"));
        assertEquals(Optional.of("sasl.jaas.config"),
                KafkaClientSettings.settingOf(KafkaClientSettings.variableOf("sasl.jaas.config")));
    }
}
