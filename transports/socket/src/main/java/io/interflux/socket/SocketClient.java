package io.interflux.socket;

import io.interflux.Codec;
import io.interflux.Framing;

import java.nio.file.Path;
import java.util.Objects;

/** Where stream-socket clients start: a TCP address or a Unix socket path. */
public final class SocketClient {

    private SocketClient() {
    }

    /** A client of the TCP server at {@code host} and {@code port}, with {@link Framing#lines()} and {@link Codec#bytes()}. */
    public static StreamClientSpec<byte[]> tcp(String host, int port) {
        Objects.requireNonNull(host, "host");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be from 1 to 65535 but it was " + port);
        }
        return new StreamClientSpec<>(host, port, null, Framing.lines(), Codec.bytes());
    }

    /** A client of the Unix stream socket on the abstract name {@code name}. */
    public static StreamClientSpec<byte[]> unixAbstract(String name) {
        return new StreamClientSpec<>(SocketPaths.validateAbstract(name), StreamServerSpec.ABSTRACT, null,
                Framing.lines(), Codec.bytes());
    }

    /** A client of the Unix stream socket at {@code path}, with {@link Framing#lines()} and {@link Codec#bytes()}. */
    public static StreamClientSpec<byte[]> unix(Path path) {
        return new StreamClientSpec<>(null, -1, SocketPaths.validate(path), Framing.lines(), Codec.bytes());
    }
}
