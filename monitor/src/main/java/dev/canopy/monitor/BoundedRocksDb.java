package dev.canopy.monitor;

import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.WriteBufferManager;

import java.util.Map;

/**
 * Bounds the native memory of every RocksDB store of the process together. Without it each store of each
 * task has its own 50 MB block cache and up to three 16 MB memtables, so native memory grows with
 * stores x partitions (a dozen stores over six partitions could reach gigabytes) outside the Java heap and
 * its limit. Here all stores share one LRU cache of {@link #TOTAL_BYTES}, index and filter blocks included,
 * and their memtables are charged to it through one write-buffer manager ({@link #MEMTABLE_BYTES} of it).
 * This is the recipe of the Kafka Streams memory-management documentation.
 */
public final class BoundedRocksDb implements RocksDBConfigSetter {

    /** Block cache, index and filter blocks and memtables of all stores: 96 MiB. */
    public static final long TOTAL_BYTES = 96L << 20;
    /** The part of {@link #TOTAL_BYTES} memtables may take: 32 MiB. */
    public static final long MEMTABLE_BYTES = 32L << 20;
    /** One memtable: 4 MiB (RocksDB's default in Kafka Streams is 16 MiB), two per store at most. */
    static final long MEMTABLE_SIZE = 4L << 20;
    static final int MEMTABLES_PER_STORE = 2;
    /** Share of the cache reserved for index and filter blocks, which are touched on every read. */
    private static final double HIGH_PRIORITY_RATIO = 0.1;

    /** One cache and one manager per process, created when the first store opens; never closed. */
    private static final class Shared {
        static final Cache CACHE = new LRUCache(TOTAL_BYTES, -1, false, HIGH_PRIORITY_RATIO);
        static final WriteBufferManager WRITE_BUFFERS = new WriteBufferManager(MEMTABLE_BYTES, CACHE);
    }

    @Override
    public void setConfig(String storeName, Options options, Map<String, Object> configs) {
        BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
        table.setBlockCache(Shared.CACHE);
        table.setCacheIndexAndFilterBlocks(true);
        table.setCacheIndexAndFilterBlocksWithHighPriority(true);
        table.setPinTopLevelIndexAndFilter(true);
        options.setTableFormatConfig(table);
        options.setWriteBufferManager(Shared.WRITE_BUFFERS);
        options.setWriteBufferSize(MEMTABLE_SIZE);
        options.setMaxWriteBufferNumber(MEMTABLES_PER_STORE);
    }

    @Override
    public void close(String storeName, Options options) {
        // The cache and the write-buffer manager are shared by every store: closing them here would pull
        // them from under the stores still open.
    }
}
