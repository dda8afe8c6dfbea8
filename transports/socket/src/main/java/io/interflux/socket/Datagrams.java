package io.interflux.socket;


import java.net.SocketAddress;
import java.nio.file.Path;
import java.util.Objects;

/** Where datagram sockets start: a UDP address or a Unix socket path. */
public final class Datagrams {

    private Datagrams() {
    }

    /** A UDP socket bound to {@code host} (a literal address) and {@code port} (0: the kernel picks). */
    public static DatagramSpec udp(String host, int port) {
        Objects.requireNonNull(host, "host");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be from 0 to 65535 but it was " + port);
        }
        return new DatagramSpec(host, port, null, DatagramSpec.DEFAULT_MAX_SIZE, 0, false);
    }

    /** A Unix datagram socket bound at {@code path}: mode 0600, removed on dispose. */
    public static DatagramSpec unix(Path path) {
        return new DatagramSpec(null, -1, SocketPaths.validate(path), DatagramSpec.DEFAULT_MAX_SIZE,
                StreamServerSpec.DEFAULT_MODE, true);
    }

    /** The address of the Unix datagram socket at {@code path}, to send datagrams to. */
    public static SocketAddress address(Path path) {
        return new io.netty.channel.unix.DomainSocketAddress(SocketPaths.validate(path).toString());
    }
}
