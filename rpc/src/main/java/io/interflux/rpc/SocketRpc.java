package io.interflux.rpc;

import io.interflux.Codec;
import io.interflux.socket.SocketClient;
import io.interflux.socket.SocketServer;
import io.interflux.socket.StreamClientSpec;
import io.interflux.socket.StreamConnection;
import io.interflux.socket.StreamServer;
import io.interflux.socket.StreamServerSpec;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Path;

/**
 * RPC over Interflux stream sockets (needs {@code interflux-socket}): TCP, and Unix sockets with
 * their 0600 file, stale-file reclaim and peer-credential checks. Frames carry RSocket's TCP
 * framing, a 24-bit length, so an rsocket-java peer on {@code TcpClientTransport} or
 * {@code TcpServerTransport} talks to these unchanged.
 *
 * <pre>{@code
 * Rpc.server(routes).bindNow(SocketRpc.unixServer(path), Duration.ofSeconds(5));
 * Rpc.client().connectNow(SocketRpc.unix(path), Duration.ofSeconds(5));
 * // the spec's own options, such as a peer check:
 * SocketRpc.server(SocketServer.unix(path).requirePeer(PeerCredentials.sameUid()));
 * }</pre>
 */
public final class SocketRpc {

    private SocketRpc() {
    }

    /** A client of the Unix socket at {@code path}. */
    public static ClientTransport unix(Path path) {
        return client(SocketClient.unix(path));
    }

    /** A client of a TCP server. */
    public static ClientTransport tcp(String host, int port) {
        return client(SocketClient.tcp(host, port));
    }

    /** A client over {@code spec}; its framing and codec are replaced by RSocket's. */
    public static ClientTransport client(StreamClientSpec<?> spec) {
        return maxFrameSize -> spec.framing(Rpc.framing(maxFrameSize)).codec(Codec.bytes()).connect()
                .map(c -> new Duplex(c, maxFrameSize));
    }

    /** A server on the Unix socket at {@code path} (0600, removed on dispose). */
    public static ServerTransport unixServer(Path path) {
        return server(SocketServer.unix(path));
    }

    /** A TCP server; port 0 picks a free port ({@link RpcServer#description()} names it). */
    public static ServerTransport tcpServer(String host, int port) {
        return server(SocketServer.tcp(host, port));
    }

    /** A server over {@code spec}; its framing and codec are replaced by RSocket's. */
    public static ServerTransport server(StreamServerSpec<?> spec) {
        return maxFrameSize -> spec.framing(Rpc.framing(maxFrameSize)).codec(Codec.bytes()).bind()
                .map(s -> new Bound(s, maxFrameSize));
    }

    private static final class Duplex implements FrameDuplex {
        private final StreamConnection<byte[]> connection;
        private final int maxFrameSize;

        Duplex(StreamConnection<byte[]> connection, int maxFrameSize) {
            this.connection = connection;
            this.maxFrameSize = maxFrameSize;
        }

        @Override
        public Flux<byte[]> receive() {
            return connection.receive();
        }

        @Override
        public Mono<Void> send(Publisher<byte[]> frames) {
            return connection.send(frames);
        }

        @Override
        public Mono<Void> onDispose() {
            return connection.onDispose();
        }

        @Override
        public int maxFrameSize() {
            return maxFrameSize;
        }

        @Override
        public String description() {
            return connection.description();
        }

        @Override
        public void dispose() {
            connection.dispose();
        }

        @Override
        public boolean isDisposed() {
            return connection.isDisposed();
        }
    }

    private static final class Bound implements ServerTransport.Bound {
        private final StreamServer<byte[]> server;
        private final int maxFrameSize;

        Bound(StreamServer<byte[]> server, int maxFrameSize) {
            this.server = server;
            this.maxFrameSize = maxFrameSize;
        }

        @Override
        public Flux<FrameDuplex> connections() {
            return server.connections().map(c -> new Duplex(c, maxFrameSize));
        }

        @Override
        public String description() {
            // the port bound, not the spec's: for port 0 the one the kernel chose, as tcpServer promises
            SocketAddress a = server.address();
            if (a instanceof InetSocketAddress) {
                InetSocketAddress tcp = (InetSocketAddress) a;
                return "StreamServer[TCP " + tcp.getAddress().getHostAddress() + ":" + tcp.getPort() + "]";
            }
            return server.toString();
        }

        @Override
        public SocketAddress address() {
            return server.address();
        }

        @Override
        public Mono<Void> onDispose() {
            return server.onDispose();
        }

        @Override
        public void dispose() {
            server.dispose();
        }

        @Override
        public boolean isDisposed() {
            return server.isDisposed();
        }
    }
}
