package dev.canopy.tests.support;

/** Closes what a test class started, newest first, skipping what never started. */
public final class Closeables {

    private Closeables() {
    }

    /** Closes each non-null argument in order; the first failure is rethrown after all were tried. */
    public static void closeAll(AutoCloseable... resources) {
        RuntimeException first = null;
        for (AutoCloseable r : resources) {
            if (r == null) {
                continue;
            }
            try {
                r.close();
            } catch (Exception e) {
                if (first == null) {
                    first = e instanceof RuntimeException re ? re : new IllegalStateException(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
