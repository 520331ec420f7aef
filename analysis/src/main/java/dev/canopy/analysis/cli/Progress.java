package dev.canopy.analysis.cli;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A progress line on stderr for long work: silent for the first {@code quietMillis}, then rewritten in
 * place once a second (on a terminal), or printed as a line every few seconds (in logs).
 */
public final class Progress implements AutoCloseable {

    private final PrintStream err;
    private final Supplier<String> status;
    private final ScheduledExecutorService timer;
    private final boolean terminal = System.console() != null;
    private volatile boolean printed;

    public Progress(PrintStream err, long quietMillis, Supplier<String> status) {
        this.err = err;
        this.status = status;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "canopy-progress");
            t.setDaemon(true);
            return t;
        });
        long period = terminal ? 1000 : 5000;
        timer.scheduleAtFixedRate(this::print, quietMillis, period, TimeUnit.MILLISECONDS);
    }

    private void print() {
        String line = status.get();
        if (terminal) {
            err.print("\r" + line + "\u001b[K");
        } else {
            err.println(line);
        }
        err.flush();
        printed = true;
    }

    /** Human-readable count: 1234567 -> "1.23M". */
    public static String count(double n) {
        if (n >= 1e9) {
            return String.format(Locale.ROOT, "%.2fG", n / 1e9);
        }
        if (n >= 1e6) {
            return String.format(Locale.ROOT, "%.2fM", n / 1e6);
        }
        if (n >= 1e3) {
            return String.format(Locale.ROOT, "%.1fk", n / 1e3);
        }
        return String.format(Locale.ROOT, "%.0f", n);
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (printed) {
            print();
            if (terminal) {
                err.println();
            }
        }
    }
}
