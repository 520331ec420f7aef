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
        EmbeddingBudget b = new EmbeddingBudget(10, clock::get);
        int granted = 0;
        for (int i = 0; i < 50; i++) {
            granted += b.tryAcquire() ? 1 : 0;
        }
        assertEquals(10, granted, "a full bucket holds one second");
        assertFalse(b.tryAcquire());
        clock.addAndGet(250_000_000L);
        granted = 0;
        for (int i = 0; i < 50; i++) {
            granted += b.tryAcquire() ? 1 : 0;
        }
        assertEquals(2, granted, "a quarter second refills 2.5 tokens");
        clock.addAndGet(60_000_000_000L);
        granted = 0;
        for (int i = 0; i < 50; i++) {
            granted += b.tryAcquire() ? 1 : 0;
        }
        assertEquals(10, granted, "idle time does not bank more than one second");
    }

    @Test
    void aRateBelowOneStillGrantsOneAtATime() {
        AtomicLong clock = new AtomicLong();
        EmbeddingBudget b = new EmbeddingBudget(0.5, clock::get);
        assertTrue(b.tryAcquire());
        assertFalse(b.tryAcquire());
        clock.addAndGet(1_000_000_000L);
        assertFalse(b.tryAcquire());
        clock.addAndGet(1_000_000_000L);
        assertTrue(b.tryAcquire());
    }
}
