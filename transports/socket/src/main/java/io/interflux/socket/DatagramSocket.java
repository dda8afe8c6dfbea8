package io.interflux.socket;

import io.interflux.Codec;
import io.interflux.FrameTooLargeException;
import io.interflux.IpcResource;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelOption;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.unix.DomainDatagramPacket;
import io.netty.channel.unix.DomainSocketAddress;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.netty.udp.UdpServer;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A bound datagram socket, UDP or Unix, on reactor-netty: whole datagrams in with their sender,
 * out with their recipient. {@link #receive()} reads only while its subscriber has demand, so
 * without demand datagrams wait in the kernel's receive buffer, and past it the kernel drops them:
 * datagrams are not held back the way a stream is, which is the mechanism's nature (UDP peers
 * pace themselves, or lose). Every datagram has a maximum size ({@link DatagramSpec#maxSize(int)}).
 */
public final class DatagramSocket implements IpcResource {

    private final DatagramSpec spec;
    private final Connection connection;
    private final UnixSocketFile file;
    private final String description;
    private final AtomicBoolean received = new AtomicBoolean();
    private final java.util.concurrent.atomic.AtomicLong refused = new java.util.concurrent.atomic.AtomicLong();
    private static final reactor.util.Logger LOG = reactor.util.Loggers.getLogger(DatagramSocket.class);

    private DatagramSocket(DatagramSpec spec, Connection connection, UnixSocketFile file) {
        this.spec = spec;
        this.connection = connection;
        this.file = file;
        this.description = spec.unix() ? spec.describe()
                : "UDP " + connection.channel().localAddress();
        spec.metrics.opened();
        connection.onDispose(spec.metrics::closed);
    }

    static Mono<DatagramSocket> bind(DatagramSpec spec) {
        return UnixSocketFile.prepareOnWorker(spec.path, false).flatMap(unixFile -> {
            UnixSocketFile file = unixFile.orElse(null);
            SocketAddress address = file != null ? new DomainSocketAddress(file.bindPath.toString())
                    : new InetSocketAddress(spec.host, spec.port);
            UdpServer udp = spec.loops != null ? UdpServer.create().runOn(spec.loops) : UdpServer.create();
            if (file != null) {
                // the mode before the bind, at the path itself (the datagram socket's address for
                // replies): the file is never wider than asked, and the umask only narrows it
                udp = udp.doOnChannelInit((observer, channel, remote) -> {
                    int fd = ((io.netty.channel.unix.UnixChannel) channel).fd().intValue();
                    if (io.interflux.internal.FileLibC.get().fchmod(fd, spec.mode) < 0) {
                        throw io.interflux.IpcException.fromErrno("fchmod", "the socket for " + spec.path + ", 0"
                                + Integer.toOctalString(spec.mode), io.interflux.internal.Native.errno());
                    }
                });
            }
            return UnixSocketFile.publishAfter(udp
                    .bindAddress(() -> address)
                    // one byte more than the limit: a datagram that fills it was larger than allowed
                    .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(spec.maxSize + 1))
                    .bind(), file, spec.mode, connection -> new DatagramSocket(spec, connection, file));
        });
    }

    /**
     * The datagrams that arrive, with their senders; one subscriber. After a cancel the socket is
     * no longer read (nobody could receive again) but still sends. A datagram larger than the maximum size is refused: dropped,
     * counted ({@link #refusedDatagrams()}) and logged (the first, then at each power of two), so
     * that no sender can end the stream of the others, nor flood the log.
     */
    public Flux<Datagram> receive() {
        return Flux.defer(() -> {
            if (!received.compareAndSet(false, true)) {
                return Flux.error(new IllegalStateException(description + " allows one receive()"));
            }
            return io.interflux.internal.metrics.DemandClock.watch(connection.inbound().receiveObject().<Datagram>handle((o, sink) -> {
                Datagram d = datagram(o);
                if (d != null) {
                    spec.metrics.bytesReceived(d.size());
                    sink.next(d);
                }
            }), spec.metrics)
                    // nobody can receive again: datagrams wait in (and past it, are dropped by) the
                    // kernel rather than be read and thrown away; sending goes on
                    .doOnCancel(() -> StreamConnection.stopReading(connection.channel()));
        });
    }

    /** How many datagrams over the maximum size {@link #receive()} has refused. */
    public long refusedDatagrams() {
        return refused.get();
    }

    /** The payloads of {@link #receive()}, decoded by {@code codec}. */
    public <T> Flux<T> receive(Codec<T> codec) {
        return receive().map(d -> d.decode(codec));
    }

    private Datagram datagram(Object o) {
        ByteBuf content;
        SocketAddress sender;
        if (o instanceof DatagramPacket) {
            content = ((DatagramPacket) o).content();
            sender = ((DatagramPacket) o).sender();
        } else if (o instanceof DomainDatagramPacket) {
            content = ((DomainDatagramPacket) o).content();
            sender = ((DomainDatagramPacket) o).sender();
        } else {
            throw new IllegalStateException(description + " received " + o.getClass().getName() + ", not a datagram");
        }
        if (content.readableBytes() > spec.maxSize) {
            // the read buffer is one byte larger than the limit: the datagram may have been cut there
            long n = refused.incrementAndGet();
            if (Long.bitCount(n) == 1) {
                // the 1st, 2nd, 4th, 8th, ...: a sender flooding oversize datagrams cannot flood the log too
                LOG.warn(new FrameTooLargeException("datagram", description, spec.maxSize, content.readableBytes())
                        .getMessage() + " (at least; from " + sender + "): refused, " + n + " so far"
                        + (n > 1 ? " (logged at each power of two)" : ""));
            }
            return null;
        }
        return Datagram.received(ByteBufUtil.getBytes(content), sender);
    }

    /**
     * Sends every datagram to its address, following the channel's writability; completes when the
     * last is handed to the kernel. One over the maximum size fails the send before it goes out,
     * and so does an empty one ({@link IllegalArgumentException}): Netty's epoll channels skip a
     * write of no bytes, so it would otherwise be lost without a word. Empty datagrams from other
     * senders are received.
     */
    public Mono<Void> send(Publisher<Datagram> datagrams) {
        return connection.outbound().sendObject(Flux.from(datagrams).map(this::packet)).then();
    }

    /**
     * An emitter of datagrams, for code that produces them one at a time:
     * {@link io.interflux.Emitter#tryEmitNext(Object)} hands one datagram to the channel now
     * ({@code OK}), or answers {@code FAIL_OVERFLOW} when the channel is not writable (its
     * outbound buffer past Netty's high-water mark) and nothing was sent, {@code FAIL_TERMINATED}
     * once the socket is disposed. Never blocks. A datagram over the maximum size throws
     * {@link FrameTooLargeException}, an empty one {@link IllegalArgumentException}, as in
     * {@link #send(Publisher)}. Over UDP, {@code OK} means handed to the kernel, not received:
     * the network may still drop it.
     */
    public io.interflux.Emitter<Datagram> emitter() {
        return new io.interflux.Emitter<Datagram>() {
            @Override
            public reactor.core.publisher.Sinks.EmitResult tryEmitNext(Datagram d) {
                java.util.Objects.requireNonNull(d, "datagram");
                io.netty.channel.Channel ch = connection.channel();
                if (connection.isDisposed() || !ch.isActive()) {
                    return reactor.core.publisher.Sinks.EmitResult.FAIL_TERMINATED;
                }
                if (!ch.isWritable()) {
                    return reactor.core.publisher.Sinks.EmitResult.FAIL_OVERFLOW;
                }
                ch.writeAndFlush(packet(d), ch.newPromise()); // a failed send is not fired into the receive
                return reactor.core.publisher.Sinks.EmitResult.OK;
            }

            @Override
            public String describe() {
                return description;
            }
        };
    }

    private Object packet(Datagram d) {
        if (d.size() == 0) {
            // Netty's epoll channels skip a write of no bytes: sent on, it would vanish without a word
            throw new IllegalArgumentException(description + " cannot send an empty datagram: the transport"
                    + " (Netty's epoll channel) skips a write of 0 bytes, so it would be lost");
        }
        if (d.size() > spec.maxSize) {
            throw new FrameTooLargeException("datagram", description, spec.maxSize, d.size());
        }
        SocketAddress to = d.address();
        if (!(to instanceof DomainSocketAddress) && !(to instanceof InetSocketAddress)) {
            throw new IllegalArgumentException("a datagram of " + description + " goes to an InetSocketAddress or a "
                    + "Unix socket's address (Datagrams.address(path)), not to " + to);
        }
        spec.metrics.messagesSent(1);
        spec.metrics.bytesSent(d.size());
        ByteBuf content = Unpooled.wrappedBuffer(d.payloadArray());
        return to instanceof DomainSocketAddress ? new DomainDatagramPacket(content, (DomainSocketAddress) to)
                : new DatagramPacket(content, (InetSocketAddress) to);
    }

    /** The address this socket is bound to: for UDP with the port the kernel picked. */
    public SocketAddress address() {
        return spec.unix() ? new DomainSocketAddress(spec.path.toString()) : connection.channel().localAddress();
    }

    /** The UDP port bound; -1 for a Unix socket. */
    public int port() {
        SocketAddress a = connection.channel().localAddress();
        return a instanceof InetSocketAddress ? ((InetSocketAddress) a).getPort() : -1;
    }

    /** The Unix socket's path; {@code null} for UDP. */
    public Path path() {
        return spec.path;
    }

    /** The largest datagram this socket sends or takes. */
    public int maxSize() {
        return spec.maxSize;
    }

    /** Closes the socket and removes the Unix socket file it made, when the spec says so. Never blocks. */
    @Override
    public void dispose() {
        if (file != null && spec.removeOnDispose) {
            file.remove();
        }
        connection.dispose();
    }

    @Override
    public boolean isDisposed() {
        return connection.isDisposed();
    }

    @Override
    public Mono<Void> onDispose() {
        return connection.onDispose();
    }

    @Override
    public String toString() {
        return "DatagramSocket[" + description + "]";
    }
}
