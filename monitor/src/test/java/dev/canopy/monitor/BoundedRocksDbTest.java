package dev.canopy.monitor;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BoundedRocksDbTest {

    static {
        RocksDB.loadLibrary();
    }

    @Test
    void shouldGiveEveryStoreSmallMemtablesChargedToTheSharedCache(@TempDir Path dir) throws Exception {
        BoundedRocksDb setter = new BoundedRocksDb();
        try (Options first = storeOptions(); Options second = storeOptions()) {
            setter.setConfig("canopy-groups", first, Map.of());
            setter.setConfig("canopy-windows", second, Map.of());
            for (Options o : new Options[] {first, second}) {
                assertEquals(4L << 20, o.writeBufferSize());
                assertEquals(2, o.maxWriteBufferNumber());
                BlockBasedTableConfig table = (BlockBasedTableConfig) o.tableFormatConfig();
                assertTrue(table.cacheIndexAndFilterBlocks(), "index and filter blocks count against the cache");
                assertTrue(table.pinTopLevelIndexAndFilter());
            }
            // The options open a real database: the shared cache and write-buffer manager are usable.
            first.setCreateIfMissing(true);
            try (RocksDB db = RocksDB.open(first, dir.toString())) {
                db.put("k".getBytes(), "v".getBytes());
                assertArrayEquals("v".getBytes(), db.get("k".getBytes()));
            }
            setter.close("canopy-groups", first);
        }
        assertTrue(BoundedRocksDb.MEMTABLE_BYTES < BoundedRocksDb.TOTAL_BYTES);
    }

    private static Options storeOptions() {
        Options options = new Options();
        options.setTableFormatConfig(new BlockBasedTableConfig());
        return options;
    }
}
