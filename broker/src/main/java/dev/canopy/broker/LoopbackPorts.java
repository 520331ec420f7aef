package dev.canopy.broker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/**
 * Port checks on the loopback address, the only address the embedded broker binds.
 *
 * <p>A port reported free was bound and released a moment ago; another process may take it before
 * Kafka binds it, which is why {@link EmbeddedKafkaBroker} retries a start with picked ports.
 */
final class LoopbackPorts {

    /** The address both listeners bind to. */
    static final String HOST = "127.0.0.1";

    /** Picks before giving up when the system keeps handing out the port to avoid. */
    private static final int MAX_PICKS = 20;
    /** Asks the system for any free port. */
    private static final int ANY_PORT = 0;

    private LoopbackPorts() {
    }

    /**
     * A port that was free on {@link #HOST} a moment ago (bound then released), different from
     * {@code avoid}; pass {@code -1} to accept any.
     *
     * @throws IllegalStateException if only {@code avoid} was handed out
     * @throws UncheckedIOException  if no socket can be bound on the loopback address at all
     */
    static int freePort(int avoid) {
        for (int i = 0; i < MAX_PICKS; i++) {
            try (ServerSocket s = bind(ANY_PORT)) {
                int p = s.getLocalPort();
                if (p != avoid) {
                    return p;
                }
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot find a free port on " + HOST, e);
            }
        }
        throw new IllegalStateException("Cannot find a free port on " + HOST);
    }

    /** Whether {@code port} can be bound on {@link #HOST} right now. */
    static boolean isFree(int port) {
        try (ServerSocket ignored = bind(port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Fails fast (before touching Kafka) when an explicitly requested port is taken.
     *
     * @throws IllegalStateException naming the port, with the bind failure as cause
     */
    static void requireFree(int port) {
        try (ServerSocket ignored = bind(port)) {
            // free: released again at once for Kafka to bind
        } catch (IOException e) {
            throw new IllegalStateException("Cannot start embedded Kafka broker: port " + port + " on " + HOST
                    + " is already in use (" + e.getMessage() + ")", e);
        }
    }

    private static ServerSocket bind(int port) throws IOException {
        ServerSocket s = new ServerSocket();
        try {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getByName(HOST), port));
            return s;
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }
}
