package dev.canopy.testsupport;

import dev.canopy.broker.EmbeddedKafkaBroker;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real single-node Kafka broker for one test class, as a JUnit 5 extension: the same
 * {@link EmbeddedKafkaBroker} the integration tests used to start in {@code @BeforeAll} and close in
 * {@code @AfterAll}, written once.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final EmbeddedBroker BROKER = new EmbeddedBroker();
 *
 * @BeforeAll
 * static void startMonitor() {
 *     monitor = Monitors.startReady(Monitors.settings(BROKER.bootstrapServers(), ...));
 * }
 * }</pre>
 *
 * <p>Register it on a {@code static} field: the broker starts before the class's own {@code @BeforeAll}
 * methods and stops after its {@code @AfterAll} methods, so whatever those start against it (a monitor,
 * a fleet) is closed while the broker still runs. It has the builder's defaults (automatic topic
 * creation off); a test that needs other broker properties builds its own {@link EmbeddedKafkaBroker}.
 */
public final class EmbeddedBroker implements BeforeAllCallback, AfterAllCallback {

    private EmbeddedKafkaBroker broker;

    @Override
    public void beforeAll(ExtensionContext context) {
        broker = EmbeddedKafkaBroker.builder().start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (broker != null) {
            broker.close();
            broker = null;
        }
    }

    /**
     * The running broker.
     *
     * @throws IllegalStateException outside the test class's lifetime (before its {@code @BeforeAll}
     *                               callbacks or after its {@code @AfterAll} ones)
     */
    public EmbeddedKafkaBroker broker() {
        if (broker == null) {
            throw new IllegalStateException("the broker runs only while the test class runs");
        }
        return broker;
    }

    /** The broker's {@code host:port} for clients' {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return broker().bootstrapServers();
    }
}
