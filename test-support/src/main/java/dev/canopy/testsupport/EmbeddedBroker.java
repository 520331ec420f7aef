package dev.canopy.testsupport;

import dev.canopy.broker.EmbeddedKafkaBroker;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

public final class EmbeddedBroker implements BeforeAllCallback, AfterAllCallback {
    private EmbeddedKafkaBroker broker;

    public void beforeAll(ExtensionContext context) {
        this.broker = EmbeddedKafkaBroker.builder().start();
    }

    public void afterAll(ExtensionContext context) {
        if (this.broker != null) {
            this.broker.close();
            this.broker = null;
        }
    }

    public EmbeddedKafkaBroker broker() {
        if (this.broker == null) {
            throw new IllegalStateException("the broker runs only while the test class runs");
        } else {
            return this.broker;
        }
    }

    public String bootstrapServers() {
        return this.broker().bootstrapServers();
    }
}
