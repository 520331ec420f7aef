package dev.canopy.topology;

import dev.canopy.core.replay.JsonLines;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.processor.internals.InternalProcessorContext;
import org.apache.kafka.streams.processor.internals.ProcessorRecordContext;
import org.apache.kafka.streams.state.internals.ThreadCache;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The store caches keep no input record's bytes: the whole topology under TopologyTestDriver, whose task
 * runs Kafka Streams' own record contexts and caches, read through their internal classes. If Kafka Streams
 * renames them, this test fails rather than passing unseen.
 */
class RawInputRecordsTest {

    /**
     * The cached, changelogged stores that Canopy's processors write. Not here: the rollouts in flight and the
     * shift detector's statistics, kept by a {@link WriteBackStore} without a record cache, and the rejection
     * counts, a Kafka Streams {@code count()} whose cache keeps the bytes of the (rare, small) rejection records.
     */
    private static final List<String> CACHED = List.of(StoreNames.PENDING, StoreNames.GROUPS,
            StoreNames.SLICES, StoreNames.WINDOWS, StoreNames.SHIFT_RESULTS);

    @TempDir
    Path stateDir;

    private TopologyTestDriver driver;

    @AfterEach
    void stop() {
        if (driver != null) {
            driver.close();
        }
    }

    @Test
    void cachedEntriesKeepNoInputBytes() throws Exception {
        Map<String, int[]> seen = cacheContexts(null);
        assertTrue(seen.get(StoreNames.PENDING)[0] > 0, "completed rollouts are pending");
        seen.forEach((store, counts) -> assertEquals(0, counts[1], store + ": entries holding an input record's bytes"));
    }

    @Test
    void kafkaStreamsOwnDeadLetterQueueStillGetsThem() throws Exception {
        Map<String, int[]> seen = cacheContexts("canopy-test-streams-dlq");
        // the control: the same traffic with Kafka Streams' dead-letter queue configured keeps the bytes, which
        // is also what shows that this test sees them at all
        assertTrue(seen.get(StoreNames.PENDING)[1] > 0, "pending entries keep the completed rollout's bytes");
    }

    @Test
    void aSettingOfBlanksIsNoDeadLetterQueue() {
        assertTrue(RawInputRecords.of(Map.of()).releases());
        assertTrue(RawInputRecords.of(null).releases());
        assertTrue(RawInputRecords.of(Map.of(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, " ")).releases());
        assertFalse(RawInputRecords.of(Map.of(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, "dlq")).releases());
    }

    /**
     * Pipes the reference events through the topology (the driver commits after each record, which leaves the
     * entries in the caches, clean); per cached store, {entries, entries whose record context still holds an
     * input record's bytes}.
     */
    private Map<String, int[]> cacheContexts(String streamsDeadLetterTopic) throws Exception {
        MonitorConfig config = MonitorConfig.defaults();
        Properties props = CanopyTopologyTest.driverProperties(stateDir);
        if (streamsDeadLetterTopic != null) {
            props.put(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, streamsDeadLetterTopic);
        }
        driver = new TopologyTestDriver(CanopyTopology.build(config, TopologyObserver.NONE), props, Instant.ofEpochMilli(1_700_000_000_000L));
        TestInputTopic<byte[], byte[]> tokens = driver.createInputTopic(config.topics().tokens(), new ByteArraySerializer(), new ByteArraySerializer());
        List<byte[]> lines = new ArrayList<>();
        try (InputStream in = JsonLines.open(CanopyTopologyTest.FIXTURE)) {
            JsonLines.forEach(in, (b, off, len) -> lines.add(Arrays.copyOfRange(b, off, off + len)));
        }
        for (byte[] line : lines) {
            tokens.pipeInput(null, line);
        }

        Field taskField = TopologyTestDriver.class.getDeclaredField("task");
        taskField.setAccessible(true);
        Object task = taskField.get(driver);
        InternalProcessorContext<?, ?> context = (InternalProcessorContext<?, ?>) task.getClass().getMethod("processorContext").invoke(task);
        ThreadCache cache = context.cache();
        String taskId = context.taskId().toString();
        Map<String, int[]> seen = new TreeMap<>();
        for (String store : CACHED) {
            int[] counts = new int[2];
            Method all = ThreadCache.class.getMethod("all", String.class);
            Iterator<?> entries = (Iterator<?>) all.invoke(cache, ThreadCache.nameSpaceFromTaskIdAndStore(taskId, store));
            while (entries.hasNext()) {
                Object entry = ((org.apache.kafka.streams.KeyValue<?, ?>) entries.next()).value;
                Method contextOf = entry.getClass().getMethod("context");
                contextOf.setAccessible(true);
                ProcessorRecordContext recordContext = (ProcessorRecordContext) contextOf.invoke(entry);
                assertNotNull(recordContext, store);
                counts[0]++;
                if (recordContext.sourceRawValue() != null || recordContext.sourceRawKey() != null) {
                    counts[1]++;
                }
            }
            seen.put(store, counts);
        }
        return seen;
    }
}
