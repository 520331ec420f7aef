package dev.canopy.topology;

/**
 * A token bucket of embeddings per second, shared by the semantic tasks of one instance, so that
 * semantic diversity can never take more than a bounded share of the stream threads from the
 * paper's core metrics. Holds at most one second of tokens (burst = rate). Time comes from the
 * caller (the stream task's wall clock, in milliseconds), so a test driver's clock drives it; a clock
 * that goes back (another thread's slightly older time) adds nothing. Thread-safe.
 */
final class EmbeddingBudget {

    private final double ratePerSecond;
    private final double burst;
    private double tokens;
    private long last = Long.MIN_VALUE;

    EmbeddingBudget(double ratePerSecond) {
        this.ratePerSecond = ratePerSecond;
        this.burst = Math.max(1, ratePerSecond);
        this.tokens = burst;
    }

    /** Takes one embedding from the budget at wall-clock time {@code nowMillis}; false when it is spent. */
    synchronized boolean tryAcquire(long nowMillis) {
        if (last != Long.MIN_VALUE && nowMillis > last) {
            tokens = Math.min(burst, tokens + (nowMillis - last) / 1e3 * ratePerSecond);
        }
        if (last == Long.MIN_VALUE || nowMillis > last) {
            last = nowMillis;
        }
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }
}
