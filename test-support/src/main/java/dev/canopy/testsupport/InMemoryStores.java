package dev.canopy.testsupport;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * State stores for testing a processor alone with a {@link MockProcessorContext}: the context has no
 * stores of its own, so a test builds each one the processor looks up by name and registers it before
 * calling {@code init}.
 */
public final class InMemoryStores {

    private InMemoryStores() {
    }

    /**
     * An in-memory key-value store of string keys and byte-array values (the shape of the topology's
     * stores), without a changelog, initialised on the context and registered under {@code name}. A new
     * processor given the same context finds the same store: that is how a test stands for a restart.
     */
    public static KeyValueStore<String, byte[]> keyValue(MockProcessorContext<?, ?> context, String name) {
        KeyValueStore<String, byte[]> store = Stores.keyValueStoreBuilder(
                        Stores.inMemoryKeyValueStore(name), Serdes.String(), Serdes.ByteArray())
                .withLoggingDisabled().build();
        store.init(context.getStateStoreContext(), store);
        context.addStateStore(store);
        return store;
    }
}
