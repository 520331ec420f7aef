package dev.canopy.app.demo;

import java.util.List;

/**
 * The demo's console shows Canopy's view and Canopy's own messages. Kafka's broker, clients and Streams
 * warn about things that are expected on a healthy demo (one instance, a new broker, topics created as
 * the monitor starts, a temporary state directory); in the demo those loggers show errors only.
 * {@code canopy run} keeps their warnings: there an operator needs them.
 */
public final class DemoLogging {

    /** The slf4j-simple key prefix of a logger's level. */
    static final String LEVEL_KEY = "org.slf4j.simpleLogger.log.";

    /** Loggers that warn on every healthy demo, each with what it says there. */
    static final List<String> QUIETED = List.of(
            // a new broker's first start: "The metadata log appears to be empty"
            "org.apache.kafka.controller.QuorumController",
            // UNKNOWN_TOPIC_OR_PARTITION while the monitor's topics are being created
            "org.apache.kafka.clients.NetworkClient",
            // CONCURRENT_TRANSACTIONS, retried by exactly-once producers
            "org.apache.kafka.clients.producer.internals.TransactionManager",
            "org.apache.kafka.clients.producer.internals.Sender",
            // the demo's state directory is a temporary one by design (deleted when it stops)
            "org.apache.kafka.streams.processor.internals.StateDirectory",
            // advice on settings the demo does not need
            "org.apache.kafka.streams.StreamsConfig",
            // one instance cannot hold standby tasks
            "org.apache.kafka.streams.processor.internals.assignment.DefaultStandbyTaskAssignor");

    /**
     * Broker loggers silenced in the demo, errors included. The embedded broker's ReplicaManager logs an
     * OutOfOrderSequenceException at ERROR, with its stack, when an exactly-once producer retries a batch
     * across a transaction boundary (after CONCURRENT_TRANSACTIONS); the producer recovers and nothing is lost
     * or counted twice, but the demo's console would show a dozen lines of errors. The demo's broker is
     * disposable: anything that would stop it stops the demo too.
     */
    static final List<String> SILENCED = List.of("kafka.server.ReplicaManager");

    private DemoLogging() {
    }

    /**
     * Sets {@link #QUIETED} to errors only and {@link #SILENCED} off, leaving any level given with {@code -D} alone. Call it before
     * Kafka's classes are first used: a logger's level is fixed when it is created.
     */
    public static void quietExpectedKafkaWarnings() {
        for (String logger : QUIETED) {
            if (System.getProperty(LEVEL_KEY + logger) == null) {
                System.setProperty(LEVEL_KEY + logger, "error");
            }
        }
        for (String logger : SILENCED) {
            if (System.getProperty(LEVEL_KEY + logger) == null) {
                System.setProperty(LEVEL_KEY + logger, "off");
            }
        }
    }
}
