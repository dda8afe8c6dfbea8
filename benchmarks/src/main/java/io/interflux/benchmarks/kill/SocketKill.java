package io.interflux.benchmarks.kill;

import io.interflux.Codec;
import io.interflux.TruncatedFrameException;
import io.interflux.socket.SocketServer;
import io.interflux.socket.StreamConnection;
import io.interflux.socket.StreamServer;
import io.interflux.socket.StreamServerSpec;

import java.nio.file.Path;
import java.util.Optional;

/**
 * A client process killed while it writes lines into a Unix or TCP connection to a server of this
 * JVM. The kernel closes a dead process's socket after what it had sent (its receive buffer is
 * empty, so with a FIN, not a reset): the receive delivers it and completes, or fails with
 * {@link TruncatedFrameException} when the kill cut a line in two (a {@code send} waiting for
 * room may have written part of it), and the server goes on to the next client: one server
 * serves every kill of the mechanism.
 */
final class SocketKill extends ProducerScenario {

    private final String kind;
    private final StreamServer<String> server;
    private final String address;

    /** Binds the server: {@code kind} is {@code "unix"} (a socket file in {@code dir}) or {@code "tcp"} (loopback). */
    SocketKill(String kind, Path dir) {
        this.kind = kind;
        StreamServerSpec<byte[]> spec = kind.equals("unix") ? SocketServer.unix(dir.resolve(kind + ".sock"))
                : SocketServer.tcp("127.0.0.1", 0);
        this.server = spec.framing(PipeKill.LINES).codec(Codec.utf8()).bindNow(START);
        this.address = kind.equals("unix") ? server.path().toString() : "127.0.0.1:" + server.port();
    }

    @Override
    Side open(Kill kill) {
        Side side = new Side() {
            @Override
            String wrongEnd(Optional<Throwable> end) {
                if (end.isPresent() && end.get() instanceof TruncatedFrameException) {
                    return null; // documented: a stream that ends inside a frame fails with the framing's error
                }
                return super.wrongEnd(end);
            }
        };
        side.victim = kill.victim(kill.victims.python(kill, address));
        // accepted connections wait for a subscriber, so the victim may connect before this subscribes
        StreamConnection<String> c = server.connections().next().block(START);
        if (c == null) {
            throw new IllegalStateException("the server completed instead of accepting " + side.victim);
        }
        kill.track(c);
        side.values = c.receive();
        return side;
    }

    @Override
    public void close() {
        server.disposeNow(RELEASE);
    }
}
