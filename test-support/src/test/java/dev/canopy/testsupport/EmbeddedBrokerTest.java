package dev.canopy.testsupport;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The extension gives a test class a broker that clients reach, and refuses use outside the class's run. */
class EmbeddedBrokerTest {

    @RegisterExtension
    static final EmbeddedBroker BROKER = new EmbeddedBroker();

    @Test
    void shouldServeClientsWhileTheTestClassRuns() throws Exception {
        assertEquals(BROKER.broker().bootstrapServers(), BROKER.bootstrapServers());
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, BROKER.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic("extension-check", 1, (short) 1))).all().get();
            Set<String> names = admin.listTopics().names().get();
            assertTrue(names.contains("extension-check"), names.toString());
        }
    }

    @Test
    void shouldRefuseTheBrokerBeforeItStartsAndAfterItStops() {
        EmbeddedBroker other = new EmbeddedBroker();
        assertThrows(IllegalStateException.class, other::broker);
        other.beforeAll(null);
        try {
            assertTrue(other.bootstrapServers().startsWith("127.0.0.1:"), other.bootstrapServers());
        } finally {
            other.afterAll(null);
        }
        assertThrows(IllegalStateException.class, other::bootstrapServers);
    }
}
