package dev.canopy.app.demo;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The demo's logging leaves Kafka's expected warnings out, and only the demo's: without it (as in
 * {@code canopy run}) the same loggers warn. Levels are checked on loggers created for each check
 * (children of the quieted ones, which inherit their level), since slf4j-simple fixes a logger's level
 * when it is created.
 */
class DemoLoggingTest {

    private static final AtomicInteger FRESH = new AtomicInteger();
    /** The system properties before the test, put back after it: the test changes JVM-wide ones. */
    private final Properties saved = (Properties) System.getProperties().clone();

    @BeforeEach
    void clear() {
        for (String logger : DemoLogging.QUIETED) {
            System.clearProperty(DemoLogging.LEVEL_KEY + logger);
        }
        for (String logger : DemoLogging.SILENCED) {
            System.clearProperty(DemoLogging.LEVEL_KEY + logger);
        }
    }

    @Test
    void theDemoSilencesTheBrokersRetriedSequenceErrors() {
        Logger before = fresh("kafka.server.ReplicaManager");
        assertTrue(before.isErrorEnabled(), "canopy broker and run keep the broker's errors");
        DemoLogging.quietExpectedKafkaWarnings();
        assertFalse(fresh("kafka.server.ReplicaManager").isErrorEnabled(), "the demo's console shows none of them");
        assertTrue(fresh("kafka.server.KafkaRaftServer").isWarnEnabled(), "other broker loggers keep their level");
    }

    @AfterEach
    void restore() {
        System.setProperties(saved);
    }

    private static Logger fresh(String parent) {
        return LoggerFactory.getLogger(parent + ".check" + FRESH.incrementAndGet());
    }

    @Test
    void withoutTheDemoSettingKafkasLoggersWarnAsInRun() {
        for (String logger : DemoLogging.QUIETED) {
            assertTrue(fresh(logger).isWarnEnabled(), logger);
        }
    }

    @Test
    void theDemoShowsOnlyErrorsOfTheQuietedLoggers() {
        DemoLogging.quietExpectedKafkaWarnings();
        for (String logger : DemoLogging.QUIETED) {
            Logger l = fresh(logger);
            assertFalse(l.isWarnEnabled(), logger);
            assertTrue(l.isErrorEnabled(), logger);
        }
    }

    @Test
    void theDemoQuietsTheLoggersOfTheWarningsEveryHealthyDemoShows() {
        // the loggers that print UNKNOWN_TOPIC_OR_PARTITION, CONCURRENT_TRANSACTIONS and the StateDirectory
        // warning, named here rather than taken from QUIETED so that dropping one from the list fails
        String[] expected = {
                "org.apache.kafka.clients.NetworkClient",
                "org.apache.kafka.clients.producer.internals.TransactionManager",
                "org.apache.kafka.clients.producer.internals.Sender",
                "org.apache.kafka.streams.processor.internals.StateDirectory"};
        for (String logger : expected) {
            assertTrue(fresh(logger).isWarnEnabled(), logger + " warns before the demo's setting");
        }
        DemoLogging.quietExpectedKafkaWarnings();
        for (String logger : expected) {
            assertFalse(fresh(logger).isWarnEnabled(), logger + " is quiet in the demo");
        }
    }

    @Test
    void theDemoKeepsCanopysOwnMessagesAndOtherKafkaWarnings() {
        DemoLogging.quietExpectedKafkaWarnings();
        assertTrue(fresh("dev.canopy.app.demo").isInfoEnabled());
        assertTrue(fresh("org.apache.kafka.streams.KafkaStreams").isWarnEnabled());
        assertTrue(fresh("org.apache.kafka.clients.consumer").isWarnEnabled());
    }

    @Test
    void aLevelGivenOnTheCommandLineWins() {
        String key = DemoLogging.LEVEL_KEY + DemoLogging.QUIETED.get(0);
        System.setProperty(key, "debug");
        DemoLogging.quietExpectedKafkaWarnings();
        assertEquals("debug", System.getProperty(key));
        assertTrue(fresh(DemoLogging.QUIETED.get(0)).isDebugEnabled());
    }
}
