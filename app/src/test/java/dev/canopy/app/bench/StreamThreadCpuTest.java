package dev.canopy.app.bench;

import org.junit.jupiter.api.Test;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The CPU of one application's stream threads, and of no other thread. */
class StreamThreadCpuTest {

    private static final String UUID = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";

    /** A thread that spins for {@code millis} of CPU, then waits until released. */
    private static Thread spinner(String name, long millis, CountDownLatch spun, CountDownLatch release) {
        Thread t = new Thread(() -> {
            java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
            long until = mx.getCurrentThreadCpuTime() + millis * 1_000_000L;
            long x = 0;
            while (mx.getCurrentThreadCpuTime() < until) {
                x += System.nanoTime() & 7;
            }
            if (x == 42) {
                System.out.print("");
            }
            spun.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, name);
        t.start();
        return t;
    }

    @Test
    void countsTheApplicationsStreamThreadsFromTheStartOnly() throws Exception {
        assumeTrue(StreamThreadCpu.supported(), "this JVM measures no thread CPU time");
        StreamThreadCpu cpu = new StreamThreadCpu("bench-app");
        assertTrue(Double.isNaN(cpu.seconds()), "no start yet");
        cpu.startWhen(false);
        assertTrue(Double.isNaN(cpu.seconds()), "not started while nothing was read");

        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch spun = new CountDownLatch(3);
        Thread mine = spinner("bench-app-" + UUID + "-StreamThread-1", 150, spun, release);
        Thread other = spinner("bench-app-passthrough-" + UUID + "-StreamThread-1", 300, spun, release);
        Thread notStream = spinner("bench-app-" + UUID + "-GlobalStreamThread", 300, spun, release);
        try {
            assertTrue(spun.await(30, TimeUnit.SECONDS));
            cpu.startWhen(true);
            double atStart = cpu.seconds();
            assertEquals(0.0, atStart, 0.01, "the starting point is now");
            CountDownLatch spunAgain = new CountDownLatch(1);
            Thread second = spinner("bench-app-" + UUID + "-StreamThread-2", 200, spunAgain, release);
            assertTrue(spunAgain.await(30, TimeUnit.SECONDS));
            double s = cpu.seconds();
            assertTrue(s >= 0.19 && s < 0.29, "the second stream thread's 0.2 s only, not the other applications' threads: " + s);
            cpu.startWhen(true);
            assertEquals(s, cpu.seconds(), 0.02, "the starting point is taken once");
            release.countDown();
            second.join();
        } finally {
            release.countDown();
            mine.join();
            other.join();
            notStream.join();
        }
    }
}
