package dev.canopy.topology;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EmbeddingBudgetTest {

    @Test
    void allowsTheRateWithAOneSecondBurst() {
        AtomicLong clock = new AtomicLong();
        EmbeddingBudget b = new EmbeddingBudget(10);
        int granted = 0;
        for (int i = 0; i < 50; i++) {
            granted += b.tryAcquire(clock.get()) ? 1 : 0;
        }
        assertEquals(10, granted, "a full bucket holds one second");
        assertFalse(b.tryAcquire(clock.get()));
        clock.addAndGet(250L);
        granted = 0;
        for (int i = 0; i < 50; i++) {
            granted += b.tryAcquire(clock.get()) ? 1 : 0;
        }
        assertEquals(2, granted, "a quarter second refills 2.5 tokens");
        clock.addAndGet(60_000L);
        granted = 0;
        for (int i = 0; i < 50; i++) {
            granted += b.tryAcquire(clock.get()) ? 1 : 0;
        }
        assertEquals(10, granted, "idle time does not bank more than one second");
    }

    @Test
    void aRateBelowOneStillGrantsOneAtATime() {
        AtomicLong clock = new AtomicLong();
        EmbeddingBudget b = new EmbeddingBudget(0.5);
        assertTrue(b.tryAcquire(clock.get()));
        assertFalse(b.tryAcquire(clock.get()));
        clock.addAndGet(1_000L);
        assertFalse(b.tryAcquire(clock.get()));
        clock.addAndGet(1_000L);
        assertTrue(b.tryAcquire(clock.get()));
    }

    @Test
    void aClockGoingBackAddsNothing() {
        EmbeddingBudget b = new EmbeddingBudget(1);
        assertTrue(b.tryAcquire(10_000));
        assertFalse(b.tryAcquire(9_000), "another thread's older time");
        assertFalse(b.tryAcquire(10_500), "half a second after the newest time seen, not after the older one");
        assertTrue(b.tryAcquire(11_000));
    }
}
