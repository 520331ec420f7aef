package dev.canopy.analysis.compare;

import java.io.PrintStream;
import java.util.Locale;

/**
 * The bootstrap's progress bar on stderr, {@code bootstrap [##########----------] 1000/2000}: rewritten in
 * place at every percent on a terminal, a line at every tenth otherwise (logs, CI). Safe to call from the
 * bootstrap's worker threads; counts may arrive out of order and never move the bar back.
 */
final class BootstrapProgress {

    private static final int WIDTH = 20;

    private final PrintStream err;
    private final int total;
    private final boolean terminal;
    private int shownStep = -1;
    private int shown;

    BootstrapProgress(PrintStream err, int total, boolean terminal) {
        this.err = err;
        this.total = total;
        this.terminal = terminal;
    }

    /** Shows the empty bar. */
    synchronized void start() {
        shownStep = 0;
        print(0);
    }

    synchronized void update(int done) {
        if (done <= shown) {
            return;
        }
        int step = (int) ((long) done * (terminal ? 100 : 10) / total);
        if (step == shownStep) {
            return;
        }
        shownStep = step;
        shown = done;
        print(done);
    }

    private void print(int done) {
        String line = bar(done, total);
        if (terminal) {
            err.print("\r" + line + "\u001b[K");
            if (done == total) {
                err.println();
            }
        } else {
            err.println(line);
        }
        err.flush();
    }

    static String bar(int done, int total) {
        int filled = (int) ((long) done * WIDTH / total);
        return String.format(Locale.ROOT, "bootstrap [%s%s] %d/%d", "#".repeat(filled), "-".repeat(WIDTH - filled), done, total);
    }
}
