package dev.canopy.connectors.kafka;

import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TopicGateTest {

    private static final String TOPIC = "canopy.tokens";

    private final AtomicBoolean closing = new AtomicBoolean();
    /** A slot that holds no producer (its creation fails): the gate has no producer to ask for metadata. */
    private final ProducerSlot noProducer = new ProducerSlot(
            new KafkaEventPublisher.Settings("127.0.0.1:9", TOPIC, 1024, null),
            p -> {
                throw new IllegalStateException("no producer in this test");
            },
            new ThrottledWarning(LoggerFactory.getLogger(TopicGateTest.class), 1));

    /** A check answering from a script (the last answer repeats), counting its calls. */
    private static final class ScriptedCheck implements TopicCheck {
        final List<Boolean> answers;
        final AtomicInteger calls = new AtomicInteger();
        final AtomicBoolean closed = new AtomicBoolean();
        Runnable onCall = () -> { };

        ScriptedCheck(Boolean... answers) {
            this.answers = Arrays.asList(answers);
        }

        @Override
        public Boolean exists(String topic) {
            assertEquals(TOPIC, topic);
            int call = calls.getAndIncrement();
            onCall.run();
            return answers.get(Math.min(call, answers.size() - 1));
        }

        @Override
        public void close() {
            closed.set(true);
        }
    }

    private TopicGate gate(TopicCheck check) {
        return new TopicGate(TOPIC, check, "topic " + TOPIC + " is missing", closing::get);
    }

    @Test
    void anExistingTopicLetsThePublisherGoOnWithoutFurtherChecks() throws Exception {
        ScriptedCheck check = new ScriptedCheck(true);
        TopicGate gate = gate(check);
        assertTrue(gate.checkNeeded(), "the first record is preceded by a check");
        assertTrue(gate.await(noProducer));
        assertFalse(gate.checkNeeded());
        assertFalse(gate.missing());
        assertEquals(1, check.calls.get());
    }

    @Test
    void aCheckThatCannotTellCountsAsExisting() throws Exception {
        TopicGate gate = gate(new ScriptedCheck(TopicCheck.UNKNOWN));
        assertNull(TopicCheck.UNKNOWN);
        assertTrue(gate.await(noProducer));
        assertFalse(gate.missing());
        assertFalse(gate.checkNeeded());
    }

    @Test
    void onlyFailuresAMissingTopicExplainsCallForANewCheck() throws Exception {
        TopicGate gate = gate(new ScriptedCheck(true));
        gate.await(noProducer);
        gate.sendFailed(new TimeoutException("Expiring 3 record(s) for canopy.tokens-0: 30001 ms has passed"));
        gate.sendFailed(new IllegalStateException("producer closed"));
        assertFalse(gate.checkNeeded());
        gate.sendFailed(new TimeoutException("Topic canopy.tokens not present in metadata after 5000 ms."));
        assertTrue(gate.checkNeeded());
        gate.await(noProducer);
        assertFalse(gate.checkNeeded());
        gate.sendFailed(new UnknownTopicOrPartitionException("unknown"));
        assertTrue(gate.checkNeeded());
    }

    @Test
    void aMissingTopicHoldsThePublisherUntilItCloses() throws Exception {
        ScriptedCheck check = new ScriptedCheck(false);
        check.onCall = () -> closing.set(true);
        TopicGate gate = gate(check);
        assertFalse(gate.await(noProducer), "closing ends the wait");
        assertTrue(gate.missing());
        assertTrue(gate.checkNeeded());
        assertEquals(1, check.calls.get());
        assertFalse(gate.await(noProducer), "while closing, a topic known to be missing is not asked for again");
        assertEquals(1, check.calls.get());
    }

    @Test
    void aTopicThatAppearsReleasesTheWaitingPublisher() throws Exception {
        ScriptedCheck check = new ScriptedCheck(false, true);
        TopicGate gate = gate(check);
        assertTrue(gate.await(noProducer));
        assertEquals(2, check.calls.get(), "asked again after the recheck pause");
        assertFalse(gate.missing());
        assertFalse(gate.checkNeeded());
    }

    @Test
    void closingTheGateClosesTheCheck() {
        ScriptedCheck check = new ScriptedCheck(true);
        gate(check).close();
        assertTrue(check.closed.get());
    }
}
