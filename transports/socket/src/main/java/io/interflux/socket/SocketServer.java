package io.interflux.socket;

import io.interflux.Codec;
import io.interflux.Framing;

import java.nio.file.Path;
import java.util.Objects;

/** Where stream-socket servers start: a TCP address or a Unix socket path. */
public final class SocketServer {

    private SocketServer() {
    }

    /**
     * A TCP server on {@code host} (a literal address such as {@code "127.0.0.1"} or {@code "::1"})
     * and {@code port} (0 for one the kernel picks), with the defaults: {@link Framing#lines()},
     * {@link Codec#bytes()}.
     */
    public static StreamServerSpec<byte[]> tcp(String host, int port) {
        Objects.requireNonNull(host, "host");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be from 0 to 65535 but it was " + port);
        }
        return new StreamServerSpec<>(host, port, null, Framing.lines(), Codec.bytes(), 0, false, null, null);
    }

    /**
     * A Unix stream-socket server on the abstract name {@code name} (Linux's abstract namespace:
     * {@code @name} in {@code ss -x}): no file, hence no permissions at all; any process of this
     * network namespace may connect, so pair it with
     * {@link StreamServerSpec#requirePeer(java.util.function.Predicate)}.
     */
    public static StreamServerSpec<byte[]> unixAbstract(String name) {
        return new StreamServerSpec<>(SocketPaths.validateAbstract(name), StreamServerSpec.ABSTRACT, null,
                Framing.lines(), Codec.bytes(), 0, false, null, null);
    }

    /**
     * A Unix stream-socket server at {@code path}, with the defaults: mode 0600, removed on
     * dispose, any peer of this machine that may open the file, {@link Framing#lines()},
     * {@link Codec#bytes()}.
     */
    public static StreamServerSpec<byte[]> unix(Path path) {
        return new StreamServerSpec<>(null, -1, SocketPaths.validate(path), Framing.lines(), Codec.bytes(),
                StreamServerSpec.DEFAULT_MODE, true, null, null);
    }
}
