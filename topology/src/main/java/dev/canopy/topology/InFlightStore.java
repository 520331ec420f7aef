package dev.canopy.topology;

import dev.canopy.core.assembly.RolloutState;
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

/**
 * The rollouts in flight, kept as objects between commits and written to their changelogged store once per
 * commit.
 *
 * <p>A rollout's state changes with every token. Written through Kafka Streams' record cache, each token cost a
 * read of the state through the cache (a sorted map of byte keys), its decoding, its encoding and a write back:
 * about a quarter of the stream thread on per-token traffic. Here a token changes the decoded state in a map;
 * the states changed since the last commit are encoded and written to the underlying store (changelogged, not
 * cached) when Kafka Streams flushes its caches, which it does in every commit before the transaction's
 * offsets are sent. So the changelog receives one record per changed rollout and commit, as it did through the
 * record cache, in the same transaction as the input offsets: exactly-once holds.
 *
 * <p>Completion markers and deletions, once per rollout, go straight to the underlying store. A scan of all
 * entries writes the changed states first. A task closed without a commit (a crash, a fenced producer) drops
 * the changed states with the transaction they belonged to.
 *
 * <p>Only the assembler's processor uses this store, in the stream thread: no locking.
 */
final class InFlightStore extends WrappedStateStore<KeyValueStore<String, byte[]>, String, byte[]> {

    /** A state changed since the last commit, and the context (timestamp, offset) of the record that last changed it. */
    private static final class Changed {
        RolloutState state;
        ProcessorRecordContext source;

        Changed(RolloutState state, ProcessorRecordContext source) {
            this.state = state;
            this.source = source;
        }
    }

    private final Map<String, Changed> changed = new HashMap<>();
    private InternalProcessorContext<?, ?> context;

    /** Over an already built store (the builder's, or a test's in-memory one). */
    InFlightStore(KeyValueStore<String, byte[]> store) {
        super(store);
    }

    /** The store's builder: a persistent key-value store with this change log and no record cache in front of it. */
    static StoreBuilder<InFlightStore> builder(String name, Map<String, String> changelog) {
        return new Builder(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name), Serdes.String(), Serdes.ByteArray())
                .withCachingDisabled()
                .withLoggingEnabled(changelog));
    }

    @Override
    public void init(StateStoreContext stateStoreContext, StateStore root) {
        context = stateStoreContext instanceof InternalProcessorContext<?, ?> internal ? internal : null;
        super.init(stateStoreContext, root);
    }

    /**
     * The rollout's state as last changed (the object itself when it changed since the last commit, else read
     * from the store), a {@linkplain RolloutState#isCompletedMarker() completed marker}, or null when unknown.
     */
    RolloutState state(String rolloutId) {
        Changed c = changed.get(rolloutId);
        if (c != null) {
            return c.state;
        }
        byte[] b = wrapped().get(rolloutId);
        return b == null ? null : RolloutState.fromBytes(b);
    }

    /** Whether the rollout completed recently (its completion marker is stored). */
    boolean completed(String rolloutId) {
        if (changed.containsKey(rolloutId)) {
            return false;
        }
        byte[] b = wrapped().get(rolloutId);
        return b != null && RolloutState.isCompletedMarker(b);
    }

    /** The rollout's state changed, by the record being processed; written at the next commit. */
    void put(String rolloutId, RolloutState state) {
        ProcessorRecordContext source = context == null ? null : context.recordContext();
        Changed c = changed.get(rolloutId);
        if (c == null) {
            changed.put(rolloutId, new Changed(state, source));
        } else {
            c.state = state;
            c.source = source;
        }
    }

    /** Writes {@code value} (a completion marker) now, in place of any changed state. */
    void putNow(String rolloutId, byte[] value) {
        changed.remove(rolloutId);
        wrapped().put(rolloutId, value);
    }

    void delete(String rolloutId) {
        changed.remove(rolloutId);
        wrapped().delete(rolloutId);
    }

    /** Every stored entry, after writing the changed states; close it. */
    KeyValueIterator<String, byte[]> all() {
        writeChanged();
        return wrapped().all();
    }

    /** States changed since the last commit (for tests). */
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
        // and the store's position takes its offset; at a commit there may be no current record, so each state
        // is written under the context of the record that changed it last, as the record cache does.
        ProcessorRecordContext saved = context == null ? null : context.recordContext();
        try {
            for (Map.Entry<String, Changed> e : changed.entrySet()) {
                if (context != null && e.getValue().source != null) {
                    context.setRecordContext(e.getValue().source);
                }
                wrapped().put(e.getKey(), e.getValue().state.toBytes());
            }
        } finally {
            if (context != null) {
                context.setRecordContext(saved);
            }
        }
        changed.clear();
    }

    private static final class Builder implements StoreBuilder<InFlightStore> {
        private final StoreBuilder<KeyValueStore<String, byte[]>> inner;

        Builder(StoreBuilder<KeyValueStore<String, byte[]>> inner) {
            this.inner = inner;
        }

        @Override
        public StoreBuilder<InFlightStore> withCachingEnabled() {
            throw new UnsupportedOperationException("the store of rollouts in flight is its own cache");
        }

        @Override
        public StoreBuilder<InFlightStore> withCachingDisabled() {
            return this;
        }

        @Override
        public StoreBuilder<InFlightStore> withLoggingEnabled(Map<String, String> config) {
            inner.withLoggingEnabled(config);
            return this;
        }

        @Override
        public StoreBuilder<InFlightStore> withLoggingDisabled() {
            inner.withLoggingDisabled();
            return this;
        }

        @Override
        public InFlightStore build() {
            return new InFlightStore(inner.build());
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
