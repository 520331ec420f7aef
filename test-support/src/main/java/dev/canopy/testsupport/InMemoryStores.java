package dev.canopy.testsupport;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

public final class InMemoryStores {
    private InMemoryStores() {
    }

    public static KeyValueStore<String, byte[]> keyValue(MockProcessorContext<?, ?> context, String name) {
        KeyValueStore<String, byte[]> s = (KeyValueStore<String, byte[]>)Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(name), Serdes.String(), Serdes.ByteArray()
            )
            .withLoggingDisabled()
            .build();
        s.init(context.getStateStoreContext(), s);
        context.addStateStore(s);
        return s;
    }
}
