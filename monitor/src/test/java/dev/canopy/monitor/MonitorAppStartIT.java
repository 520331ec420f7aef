package dev.canopy.monitor;

import dev.canopy.core.UserError;
import dev.canopy.testsupport.EmbeddedBroker;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A monitor whose start fails leaves nothing open behind it. */
class MonitorAppStartIT {

    private static final String HOST = "127.0.0.1";

    @RegisterExtension
    static final EmbeddedBroker BROKER = new EmbeddedBroker();

    @TempDir
    Path dir;

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName(HOST))) {
            return s.getLocalPort();
        }
    }

    @Test
    void shouldReleaseTheHttpPortWhenAStepAfterBindingItFails() throws IOException {
        int port = freePort();
        // the state directory's step comes after the port is bound (the port is advertised to Kafka Streams)
        Path notADirectory = Files.writeString(dir.resolve("state"), "a file, not a directory");
        MonitorSettings settings = MonitorSettings.resolve(Map.of(
                "canopy.bootstrap.servers", BROKER.bootstrapServers(),
                "canopy.application.id", "start-fails",
                "canopy.state.dir", notADirectory.toString(),
                "canopy.http.host", HOST,
                "canopy.http.port", Integer.toString(port)), Map.of(), null);

        UserError e = assertThrows(UserError.class, () -> MonitorApp.start(settings, new PrometheusRegistry()));
        assertTrue(e.getMessage().contains("cannot create the state directory"), e.getMessage());

        try (ServerSocket again = new ServerSocket()) {
            again.bind(new InetSocketAddress(HOST, port));
        } catch (IOException stillBound) {
            throw new AssertionError("port " + port + " is still bound after the failed start", stillBound);
        }
    }
}
