package io.interflux.socket;

import io.interflux.Codec;
import io.interflux.FrameTooLargeException;
import io.interflux.IpcResource;
import io.interflux.internal.FrameEncoder;
import io.netty.buffer.ByteBuf;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.handler.codec.DecoderException;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;

import java.io.IOException;
import java.net.SocketAddress;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One stream connection, TCP or Unix: frames in through {@link #receive()}, frames out through
 * {@link #send(Publisher)}, with the {@link io.interflux.Framing} and {@link Codec} of the spec
 * that made it, exactly as a pipe or a FIFO frames them.
 *
 * <p>Backpressure crosses the socket: {@link #receive()} lets reactor-netty read the socket only
 * while its subscriber has demand (auto-read is turned off without it), so a slow subscriber fills
 * the kernel's buffers and, through TCP's window or the Unix socket's buffer, holds the writing
 * process back. What is read ahead of demand is bounded by one read's worth of frames (a read
 * takes at most what Netty's read allocator holds, up to 64 KiB, however many frames that is).
 * {@link #send(Publisher)} writes while the channel is
 * writable and requests more only as the writes go out.
 */
public final class StreamConnection<T> implements IpcResource {

    private final Connection connection;
    private final String description;
    private final Codec<T> codec;
    private final FrameEncoder encoder;
    private final PeerCredentials peer;
    private final AtomicBoolean received = new AtomicBoolean();
    /** Sends running now: an emission meanwhile would put its frame among theirs. */
    private final java.util.concurrent.atomic.AtomicInteger sending = new java.util.concurrent.atomic.AtomicInteger();

    private final io.interflux.MetricsRecorder metrics;

    StreamConnection(Connection connection, String description, Codec<T> codec, FrameEncoder encoder,
                     io.interflux.MetricsRecorder metrics) {
        this.metrics = metrics;
        metrics.opened();
        connection.onDispose(metrics::closed);
        this.connection = connection;
        this.description = description;
        this.codec = codec;
        this.encoder = encoder;
        this.peer = credentials(connection);
    }

    private static PeerCredentials credentials(Connection connection) {
        if (!(connection.channel() instanceof EpollDomainSocketChannel)) {
            return null;
        }
        try {
            io.netty.channel.unix.PeerCredentials c = ((EpollDomainSocketChannel) connection.channel()).peerCredentials();
            return new PeerCredentials(c.pid(), c.uid(), c.gids().length > 0 ? c.gids()[0] : -1);
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * The frames the peer sends, decoded; one subscriber. The socket is read only while there is
     * demand. After a cancel the socket is no longer read at all (the peer is held back) while the
     * connection stays open for sending: {@code c.send(c.receive().take(1).map(...))} answers a
     * request. Completes when the peer closes its side; reactor-netty closes the whole connection
     * then, so a peer that half-closes gets no answer after it. What the peer sent before closing
     * is dropped with the connection if the receive was not subscribed by then (reactor-netty
     * drops its inbound then): subscribe before the peer can finish. Fails with
     * {@link FrameTooLargeException} on a frame over the framing's limit (nothing after it is
     * delivered, and the connection is closed).
     */
    @SuppressWarnings("unchecked")
    public Flux<T> receive() {
        return Flux.defer(() -> {
            if (!received.compareAndSet(false, true)) {
                return Flux.error(new IllegalStateException(description + " allows one receive()"));
            }
            return io.interflux.internal.metrics.DemandClock.watch(connection.inbound().receiveObject()
                    .map(o -> (T) o), metrics)
                    .onErrorMap(DecoderException.class, e -> e.getCause() != null ? e.getCause() : e)
                    // nothing after a bad frame is data; closed once the subscriber has the error,
                    // so it hears the cause before anything the close sets off (a send's end)
                    .doFinally(signal -> {
                        if (signal == reactor.core.publisher.SignalType.ON_ERROR) {
                            connection.dispose();
                        }
                    })
                    // a receive is once per connection: after a cancel nobody reads it again, so the
                    // socket is no longer read (reactor-netty would read and drop), which holds the
                    // peer back; the connection stays open for an answer until it is disposed
                    .doOnCancel(() -> stopReading(connection.channel()));
        });
    }

    /**
     * Stops reading {@code ch} (its auto-read off, on its loop): what the peer sends then waits in
     * the kernel, and holds the peer back. Nothing to do once the channel is closed. Also the
     * datagram socket's, after its one receive is cancelled.
     */
    static void stopReading(io.netty.channel.Channel ch) {
        if (!ch.isRegistered()) {
            return; // closed already: nothing is read any more (eventLoop() would throw)
        }
        try {
            ch.eventLoop().execute(() -> {
                if (ch.isActive()) {
                    ch.config().setAutoRead(false);
                }
            });
        } catch (IllegalStateException | java.util.concurrent.RejectedExecutionException closedMeanwhile) {
            // deregistered or shut down between the check and the call: nothing to stop either
        }
    }

    /**
     * Writes every value as one frame, following the channel's writability; completes when the
     * last frame is written, or, as reactor-netty does, when the connection closes first (a peer
     * that hangs up, a dispose): the send then says nothing of what was not written. That is
     * deliberate: at the socket, a peer that stops reading and hangs up on a sender looks the same
     * as the end of an echo ({@code c.send(c.receive())}), whose values end with the peer, and the
     * echo must not fail. A value the framing cannot carry (over its limit, a line holding a
     * newline) fails the send before any of it is written.
     */
    public Mono<Void> send(Publisher<? extends T> values) {
        java.util.Objects.requireNonNull(values, "values");
        return Mono.defer(() -> {
            sending.incrementAndGet();
            AtomicBoolean ended = new AtomicBoolean();
            // before the end reaches the subscriber (doFinally would run after it): an emission
            // from its onComplete must not find this send still running
            Runnable end = () -> {
                if (ended.compareAndSet(false, true)) {
                    sending.decrementAndGet();
                }
            };
            return connection.outbound().send(Flux.from(values).map(this::frame)).then()
                    .doOnTerminate(end).doOnCancel(end);
        });
    }

    /**
     * An emitter into the connection, for code that produces frames one at a time:
     * {@link io.interflux.Emitter#tryEmitNext(Object)} hands one frame to the channel now, or
     * says why not, and never blocks or buffers beyond the channel's own bound.
     * <ul>
     *   <li>{@code OK}: the frame is handed to the channel, whose event loop writes it in order
     *       (a {@link #dispose()} before it is written drops it, as it drops the rest of a send:
     *       dispose closes at once, even on a peer that reads nothing);</li>
     *   <li>{@code FAIL_OVERFLOW}: the channel is not writable (its outbound buffer is past
     *       Netty's high-water mark, 64 KiB by default: the peer reads slower than we write) and
     *       nothing was written;</li>
     *   <li>{@code FAIL_NON_SERIALIZED}: a {@link #send(Publisher)} is running, whose frames this
     *       one would land among;</li>
     *   <li>{@code FAIL_TERMINATED}: the connection is closed.</li>
     * </ul>
     * Writability is read before each frame, so emissions racing on several threads may each put
     * one frame past the mark; a frame is one buffer, never interleaved with another. A send that
     * starts while an emission is under way may see that one frame land among its first ones.
     * The {@code OK} of an emission says nothing of a later failure to write it: a connection
     * reset by the peer ends the receive and makes the next emission {@code FAIL_TERMINATED}. A value the
     * framing cannot carry throws ({@link FrameTooLargeException}, or
     * {@link IllegalArgumentException} for a line holding a newline), as in {@code send}.
     */
    public io.interflux.Emitter<T> emitter() {
        return new io.interflux.Emitter<T>() {
            @Override
            public reactor.core.publisher.Sinks.EmitResult tryEmitNext(T value) {
                java.util.Objects.requireNonNull(value, "value");
                io.netty.channel.Channel ch = connection.channel();
                if (connection.isDisposed() || !ch.isActive()) {
                    return reactor.core.publisher.Sinks.EmitResult.FAIL_TERMINATED;
                }
                if (sending.get() > 0) {
                    return reactor.core.publisher.Sinks.EmitResult.FAIL_NON_SERIALIZED;
                }
                if (!ch.isWritable()) {
                    return reactor.core.publisher.Sinks.EmitResult.FAIL_OVERFLOW;
                }
                // from another thread this queues a task whose bytes count against writability at
                // once; a failed write (the peer reset) ends the connection, which the receive and
                // the next emission hear of, rather than firing an error into the receive
                ch.writeAndFlush(frame(value), ch.newPromise());
                return reactor.core.publisher.Sinks.EmitResult.OK;
            }

            @Override
            public String describe() {
                return description;
            }
        };
    }

    private ByteBuf frame(T value) {
        byte[] payload = codec.encode(value);
        encoder.check(payload, description);
        byte[] prefix = encoder.prefix(payload);
        byte[] suffix = encoder.suffix();
        ByteBuf buf = connection.channel().alloc().buffer(prefix.length + payload.length + suffix.length);
        metrics.messagesSent(1);
        return buf.writeBytes(prefix).writeBytes(payload).writeBytes(suffix);
    }

    /** The peer's credentials on a Unix connection; empty on TCP. */
    public Optional<PeerCredentials> peer() {
        return Optional.ofNullable(peer);
    }

    /** The peer's address: an {@link java.net.InetSocketAddress} or a Unix path. */
    public SocketAddress remoteAddress() {
        return connection.channel().remoteAddress();
    }

    /** This end's address. */
    public SocketAddress localAddress() {
        return connection.channel().localAddress();
    }

    /** What the connection is, as errors name it. */
    public String description() {
        return description;
    }

    /** Closes the connection; a current receive completes, a current send fails. Never blocks. */
    @Override
    public void dispose() {
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
        return "StreamConnection[" + description + "]";
    }
}
