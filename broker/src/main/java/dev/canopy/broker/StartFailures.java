package dev.canopy.broker;

import java.net.BindException;

/**
 * Reading the exceptions of a failed broker start: whether a port could not be bound (worth a retry
 * with other ports) and a one-line account of the whole cause chain for the error message.
 */
final class StartFailures {

    private StartFailures() {
    }

    /**
     * Whether {@code e} or any of its causes is a bind failure: a {@link BindException}, or a message
     * saying "failed to bind" or "Address already in use" (Kafka wraps some bind failures in its own
     * exceptions and keeps only the message).
     */
    static boolean isBindFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException) {
                return true;
            }
            String m = t.getMessage();
            if (m != null && (m.contains("failed to bind") || m.contains("Address already in use"))) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }

    /** {@code e} and each of its causes, outermost first, joined by {@code " <- "}. */
    static String rootMessage(Throwable e) {
        Throwable root = e;
        StringBuilder sb = new StringBuilder(String.valueOf(e));
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
            sb.append(" <- ").append(root);
        }
        return sb.toString();
    }
}
