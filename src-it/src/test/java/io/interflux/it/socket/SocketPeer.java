package io.interflux.it.socket;

import io.interflux.Codec;
import io.interflux.socket.SocketClient;
import io.interflux.socket.SocketServer;
import io.interflux.socket.StreamClientSpec;
import io.interflux.socket.StreamConnection;
import io.interflux.socket.StreamServer;
import io.interflux.socket.StreamServerSpec;
import reactor.core.publisher.Flux;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The other end of a stream socket, in a child JVM, with Interflux on its side too. Modes:
 * <ul>
 *   <li>{@code server tcp HOST} or {@code server unix PATH}: serves line connections, answering
 *       each line with it upper-cased; prints {@code listening PORT} or {@code listening PATH},
 *       and disposes the server (removing a Unix socket's file) and exits when its stdin ends;</li>
 *   <li>{@code client tcp HOST PORT COUNT} or {@code client unix PATH COUNT}: sends the lines
 *       {@code child line 0 .. COUNT-1}, prints every line that comes back, and exits once COUNT
 *       have.</li>
 * </ul>
 */
public final class SocketPeer {

    static final Duration WAIT = Duration.ofSeconds(30);

    private SocketPeer() {
    }

    /** The {@code i}th line a client sends. */
    static String line(int i) {
        return "child line " + i;
    }

    public static void main(String[] args) throws IOException {
        boolean unix = args[1].equals("unix");
        if (args[0].equals("server")) {
            StreamServerSpec<byte[]> spec = unix ? SocketServer.unix(Path.of(args[2])) : SocketServer.tcp(args[2], 0);
            StreamServer<String> server = spec.codec(Codec.utf8())
                    .handle(c -> c.send(c.receive().map(String::toUpperCase)))
                    .bindNow(WAIT);
            System.out.println("listening " + (unix ? server.path() : Integer.toString(server.port())));
            System.out.flush();
            InputStream in = System.in;
            while (in.read() >= 0) {
                // until the test closes stdin
            }
            server.dispose();
            server.onDispose().block(WAIT);
        } else {
            StreamClientSpec<byte[]> spec = unix ? SocketClient.unix(Path.of(args[2]))
                    : SocketClient.tcp(args[2], Integer.parseInt(args[3]));
            int count = Integer.parseInt(args[unix ? 3 : 4]);
            StreamConnection<String> c = spec.codec(Codec.utf8()).connectNow(WAIT);
            c.send(Flux.range(0, count).map(SocketPeer::line)).subscribe(null, Throwable::printStackTrace);
            c.receive().take(count).doOnNext(System.out::println).blockLast(WAIT);
            System.out.flush();
            c.dispose();
        }
        System.exit(0);
    }
}
