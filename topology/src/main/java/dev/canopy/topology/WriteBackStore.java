package dev.canopy.topology;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.processor.internals.InternalProcessorContext;
import org.apache.kafka.streams.processor.internals.ProcessorRecordContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.internals.WrappedStateStore;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * A changelogged store of values that change far more often than a commit comes: kept as objects between commits
 * and written, encoded, once per commit.
 *
 * <p>The rollouts in flight change with every token, and the shift detector's statistics of a release with every
 * rollout. Written through Kafka Streams' record cache, each change cost encoding the value and a write into the
 * cache (a sorted map of byte keys), and the assembler also read and decoded the state back at every token: about
 * a quarter of the stream thread on per-token traffic. Here a change is made to the object in a hash map; the values
 * changed since the last commit are encoded and written to the underlying store (changelogged, not cached) when
 * Kafka Streams flushes its caches, which it does in every commit before the transaction's offsets are sent. So the
 * changelog receives one record per changed key and commit, as it did through the record cache, in the same
 * transaction as the input offsets: exactly-once holds.
 *
 * <p>Values written with {@link #putNow} and deletions go straight to the underlying store. A scan writes the
 * changed values first. A task closed without a commit (a crash, a fenced producer) drops the changed values with
 * the transaction they belonged to.
 *
 * <p>Used by one processor, in the stream thread: no locking. A value handed to {@link #put} is the object later
 * encoded: the caller may go on changing it, and puts it again after each change.
 *
 * @param <V> the decoded value
 */
final class WriteBackStore<V> extends WrappedStateStore<KeyValueStore<String, byte[]>, String, byte[]> {

    /** A value changed since the last commit, and the context (timestamp, offset) of the record that last changed it. */
    private static final class Changed<V> {
        V value;
        ProcessorRecordContext source;

        Changed(V value, ProcessorRecordContext source) {
            this.value = value;
            this.source = source;
        }
    }

    private final Map<String, Changed<V>> changed = new HashMap<>();
    private final Function<V, byte[]> encode;
    private final Function<byte[], V> decode;
    private InternalProcessorContext<?, ?> context;

    /** Over an already built store (the builder's, or a test's in-memory one). */
    WriteBackStore(KeyValueStore<String, byte[]> store, Function<V, byte[]> encode, Function<byte[], V> decode) {
        super(store);
        this.encode = encode;
        this.decode = decode;
    }

    /** The store's builder: a persistent key-value store with this change log and no record cache in front of it. */
    static <V> StoreBuilder<WriteBackStore<V>> builder(String name, Map<String, String> changelog,
                                                       Function<V, byte[]> encode, Function<byte[], V> decode) {
        return new Builder<>(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name), Serdes.String(), Serdes.ByteArray())
                .withCachingDisabled()
                .withLoggingEnabled(changelog), encode, decode);
    }

    @Override
    public void init(StateStoreContext stateStoreContext, StateStore root) {
        context = stateStoreContext instanceof InternalProcessorContext<?, ?> internal ? internal : null;
        super.init(stateStoreContext, root);
    }

    /** The value as last changed (the object itself when it changed since the last commit, else decoded from the store), or null. */
    V get(String key) {
        Changed<V> c = changed.get(key);
        if (c != null) {
            return c.value;
        }
        byte[] b = wrapped().get(key);
        return b == null ? null : decode.apply(b);
    }

    /** The key's value changed, by the record being processed; written at the next commit. */
    void put(String key, V value) {
        ProcessorRecordContext source = context == null ? null : context.recordContext();
        Changed<V> c = changed.get(key);
        if (c == null) {
            changed.put(key, new Changed<>(value, source));
        } else {
            c.value = value;
            c.source = source;
        }
    }

    /** Writes {@code value} now, in place of any changed value. */
    void putNow(String key, byte[] value) {
        changed.remove(key);
        wrapped().put(key, value);
    }

    void delete(String key) {
        changed.remove(key);
        wrapped().delete(key);
    }

    /** Every stored entry, after writing the changed values; close it. */
    KeyValueIterator<String, byte[]> all() {
        writeChanged();
        return wrapped().all();
    }

    /** The stored entries from {@code from} to {@code to}, after writing the changed values; close it. */
    KeyValueIterator<String, byte[]> range(String from, String to) {
        writeChanged();
        return wrapped().range(from, to);
    }

    /** Values changed since the last commit (for tests). */
    int changedCount() {
        return changed.size();
    }

    /** Called by Kafka Streams in every commit, before the changelog is flushed and the transaction committed. */
    @Override
    public void flushCache() {
        writeChanged();
        super.flushCache();
    }

    /** Called by Kafka Streams when a task's uncommitted work is dropped. */
    @Override
    public void clearCache() {
        changed.clear();
        super.clearCache();
    }

    @Override
    public void close() {
        changed.clear();
        super.close();
    }

    private void writeChanged() {
        if (changed.isEmpty()) {
            return;
        }
        // The change-logging layer stamps each changelog record with the current record context's timestamp,
        // and the store's position takes its offset; at a commit there may be no current record, so each value
        // is written under the context of the record that changed it last, as the record cache does.
        ProcessorRecordContext saved = context == null ? null : context.recordContext();
        try {
            for (Map.Entry<String, Changed<V>> e : changed.entrySet()) {
                if (context != null && e.getValue().source != null) {
                    context.setRecordContext(e.getValue().source);
                }
                wrapped().put(e.getKey(), encode.apply(e.getValue().value));
            }
        } finally {
            if (context != null) {
                context.setRecordContext(saved);
            }
        }
        changed.clear();
    }

    private static final class Builder<V> implements StoreBuilder<WriteBackStore<V>> {
        private final StoreBuilder<KeyValueStore<String, byte[]>> inner;
        private final Function<V, byte[]> encode;
        private final Function<byte[], V> decode;

        Builder(StoreBuilder<KeyValueStore<String, byte[]>> inner, Function<V, byte[]> encode, Function<byte[], V> decode) {
            this.inner = inner;
            this.encode = encode;
            this.decode = decode;
        }

        @Override
        public StoreBuilder<WriteBackStore<V>> withCachingEnabled() {
            throw new UnsupportedOperationException("a write-back store is its own cache");
        }

        @Override
        public StoreBuilder<WriteBackStore<V>> withCachingDisabled() {
            return this;
        }

        @Override
        public StoreBuilder<WriteBackStore<V>> withLoggingEnabled(Map<String, String> config) {
            inner.withLoggingEnabled(config);
            return this;
        }

        @Override
        public StoreBuilder<WriteBackStore<V>> withLoggingDisabled() {
            inner.withLoggingDisabled();
            return this;
        }

        @Override
        public WriteBackStore<V> build() {
            return new WriteBackStore<>(inner.build(), encode, decode);
        }

        @Override
        public Map<String, String> logConfig() {
            return inner.logConfig();
        }

        @Override
        public boolean loggingEnabled() {
            return inner.loggingEnabled();
        }

        @Override
        public String name() {
            return inner.name();
        }
    }
}
