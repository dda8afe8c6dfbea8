package io.interflux.benchmarks;

import io.netty.channel.unix.DomainSocketAddress;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.Connection;
import reactor.netty.DisposableServer;
import reactor.netty.NettyInbound;
import reactor.netty.NettyOutbound;
import reactor.netty.tcp.TcpClient;
import reactor.netty.tcp.TcpServer;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Both ends of the reactor-netty baseline ({@code reactor-netty}), as a reactor-netty user
 * writes them: {@code TcpServer}/{@code TcpClient} on the same default loops Interflux's sockets
 * use, chunks as plain {@code ByteBuf}s ({@code in.receive()}, counting {@code readableBytes()});
 * frames with Netty's own length-field codec, {@link LengthFieldBasedFrameDecoder} and
 * {@link LengthFieldPrepender} with the same 4-byte big-endian prefix and 64 KiB limit as
 * Interflux's {@code Framing.lengthPrefixed}, sent with {@code sendByteArray} and received with
 * {@code receive().asByteArray()}, so each frame is one byte[] at both ends as with
 * {@code Codec.bytes()}.
 */
final class NettySocket implements SocketEnd {

    /** A connection the server accepted, held open for {@link #roundTrips} until {@code done}. */
    private static final class Accepted {
        final NettyInbound in;
        final NettyOutbound out;
        final Sinks.Empty<Void> done = Sinks.empty();

        Accepted(NettyInbound in, NettyOutbound out) {
            this.in = in;
            this.out = out;
        }
    }

    private final DisposableServer server;
    private final SocketEnd.Address address;
    private final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
    private final BlockingQueue<Accepted> accepted = new LinkedBlockingQueue<>();
    private volatile long expected;

    private NettySocket(SocketEnd.Work work, Path unix) {
        SocketAddress bind = unix != null ? new DomainSocketAddress(unix.toString()) : new InetSocketAddress("127.0.0.1", 0);
        TcpServer tcp = TcpServer.create().bindAddress(() -> bind);
        if (work != SocketEnd.Work.CHUNKS) {
            tcp = tcp.doOnConnection(NettySocket::lengthFields);
        }
        server = tcp.handle((in, out) -> {
            long t0 = System.nanoTime();
            switch (work) {
                case CHUNKS: {
                    long want = expected;
                    long[] bytes = {0};
                    return in.receive().takeUntil(chunk -> (bytes[0] += chunk.readableBytes()) >= want)
                            .then(Mono.fromRunnable(() -> received.add(new Received(bytes[0], System.nanoTime() - t0))));
                }
                case FRAMES:
                    return in.receive().asByteArray().take(expected).count()
                            .doOnNext(frames -> received.add(new Received(frames, System.nanoTime() - t0))).then();
                default:
                    Accepted a = new Accepted(in, out);
                    accepted.add(a);
                    return a.done.asMono();
            }
        }).bindNow(LIMIT);
        address = unix != null ? SocketEnd.Address.unix(unix) : SocketEnd.Address.tcp(server.port());
    }

    /** The measuring end: a server for {@code work}, at {@code unix} or, when null, on a loopback port. */
    static SocketEnd listen(SocketEnd.Work work, Path unix) {
        return new NettySocket(work, unix);
    }

    /** Netty's length-field codec: 4-byte big-endian length, stripped on the way in, prepended on the way out. */
    private static void lengthFields(Connection c) {
        c.addHandlerLast("length-decoder", new LengthFieldBasedFrameDecoder(MAX_FRAME, 0, 4, 0, 4));
        c.addHandlerFirst("length-prepender", new LengthFieldPrepender(4));
    }

    @Override
    public SocketEnd.Address address() {
        return address;
    }

    @Override
    public void expect(long amount) {
        expected = amount;
    }

    @Override
    public Received receive() throws InterruptedException {
        Received r = received.poll(LIMIT.toMillis(), TimeUnit.MILLISECONDS);
        if (r == null) {
            throw new IllegalStateException("no connection ended within " + LIMIT + " at " + address);
        }
        return r;
    }

    @Override
    public long[] roundTrips(int count) throws InterruptedException {
        Accepted a = accepted.poll(LIMIT.toMillis(), TimeUnit.MILLISECONDS);
        if (a == null) {
            throw new IllegalStateException("no connection within " + LIMIT + " at " + address);
        }
        try {
            return RoundTrips.measure(pings -> a.out.sendByteArray(pings).then(), a.in.receive().asByteArray(),
                    new byte[SMALL], count);
        } finally {
            a.done.tryEmitEmpty(); // the handler's publisher ends: reactor-netty closes the connection
        }
    }

    @Override
    public void close() {
        server.disposeNow(LIMIT);
    }

    private static Connection connect(SocketEnd.Address to, SocketEnd.Work work) {
        SocketAddress remote = to.unix() ? new DomainSocketAddress(to.path.toString())
                : new InetSocketAddress("127.0.0.1", to.port);
        TcpClient tcp = TcpClient.create().remoteAddress(() -> remote);
        if (work != SocketEnd.Work.CHUNKS) {
            tcp = tcp.doOnConnected(NettySocket::lengthFields);
        }
        return tcp.connectNow(LIMIT);
    }

    /** The peer's side: connects, sends {@code count} payloads of the work's size as fast as they go, closes. */
    static void send(SocketEnd.Address to, SocketEnd.Work work, int count) {
        Connection c = connect(to, work);
        try {
            byte[] payload = new byte[work.size()];
            c.outbound().sendByteArray(Flux.range(0, count).map(i -> payload)).then().block(LIMIT);
        } finally {
            c.disposeNow(LIMIT);
        }
    }

    /** The peer's side of a ping-pong: sends back every frame until the other end closes. */
    static void echo(SocketEnd.Address to) {
        Connection c = connect(to, SocketEnd.Work.ECHO);
        try {
            c.outbound().sendByteArray(c.inbound().receive().asByteArray()).then().block(LIMIT);
        } finally {
            c.disposeNow(LIMIT);
        }
    }
}
