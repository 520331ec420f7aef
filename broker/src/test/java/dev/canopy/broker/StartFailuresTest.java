package dev.canopy.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.BindException;

import org.apache.kafka.common.KafkaException;
import org.junit.jupiter.api.Test;

class StartFailuresTest {

    @Test
    void shouldFindABindExceptionAnywhereInTheCauseChain() {
        Exception e = new IllegalStateException("start failed",
                new RuntimeException("socket server", new BindException("Cannot assign requested address")));
        assertTrue(StartFailures.isBindFailure(e));
    }

    @Test
    void shouldRecogniseBindFailuresKafkaReportsOnlyInTheMessage() {
        assertTrue(StartFailures.isBindFailure(new KafkaException(
                "Socket server failed to bind to 127.0.0.1:9092: Address already in use.")));
        assertTrue(StartFailures.isBindFailure(new RuntimeException("wrapper",
                new KafkaException("java.net.SocketException: Address already in use"))));
    }

    @Test
    void shouldNotTakeOtherFailuresForBindFailures() {
        assertFalse(StartFailures.isBindFailure(new IllegalStateException("Invalid cluster.id",
                new IllegalArgumentException("metadata.version is not supported"))));
        assertFalse(StartFailures.isBindFailure(new RuntimeException((String) null)));
    }

    @Test
    void shouldListTheCauseChainOutermostFirst() {
        Exception e = new IllegalStateException("outer", new RuntimeException("middle", new BindException("inner")));
        assertEquals("java.lang.IllegalStateException: outer <- java.lang.RuntimeException: middle"
                + " <- java.net.BindException: inner", StartFailures.rootMessage(e));
        assertEquals("java.lang.RuntimeException: alone", StartFailures.rootMessage(new RuntimeException("alone")));
    }

    @Test
    void shouldStopAtAnExceptionThatIsItsOwnCause() {
        Exception selfCaused = new SelfCaused("loop");
        assertFalse(StartFailures.isBindFailure(selfCaused));
        assertEquals(SelfCaused.class.getName() + ": loop", StartFailures.rootMessage(selfCaused));
    }

    /** Some libraries' exceptions return themselves from {@code getCause()}. */
    private static final class SelfCaused extends RuntimeException {
        SelfCaused(String message) {
            super(message);
        }

        @Override
        public synchronized Throwable getCause() {
            return this;
        }
    }
}
