package io.interflux.socket;

import io.interflux.IpcResource;
import io.interflux.internal.FrameEncoder;
import io.interflux.internal.Spi;
import io.interflux.socket.internal.FramingDecoder;
import io.netty.channel.unix.DomainSocketAddress;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;
import reactor.netty.Connection;
import reactor.netty.DisposableServer;
import reactor.netty.tcp.TcpServer;
import reactor.util.Logger;
import reactor.util.Loggers;
import reactor.util.concurrent.Queues;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.Queue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A listening stream socket, TCP or Unix, on reactor-netty: each connection is framed and coded
 * as its spec says and served by the spec's handler, or handed out by {@link #connections()}.
 * {@link #dispose()} stops listening, closes the connections and removes the Unix socket file it
 * made.
 */
public final class StreamServer<T> implements IpcResource {

    private static final Logger LOG = Loggers.getLogger(StreamServer.class);
    /** Connections accepted and not yet taken by a {@link #connections()} subscriber; more are closed. */
    public static final int PENDING_CONNECTIONS = 64;

    private final StreamServerSpec<T> spec;
    private final DisposableServer server;
    private final UnixSocketFile file;
    private final Pending<T> pending;
    /** The connections accepted and not yet closed: dispose closes them. */
    private final Set<StreamConnection<T>> open;
    private final AtomicBoolean disposing = new AtomicBoolean();
    private final Sinks.Empty<Void> released = Sinks.empty();

    private StreamServer(StreamServerSpec<T> spec, DisposableServer server, UnixSocketFile file, Pending<T> pending,
                         Set<StreamConnection<T>> open) {
        this.spec = spec;
        this.server = server;
        this.file = file;
        this.pending = pending;
        this.open = open;
    }

    static <T> Mono<StreamServer<T>> bind(StreamServerSpec<T> spec) {
        return Mono.defer(() -> {
            Pending<T> pending = new Pending<>();
            FrameEncoder encoder = Spi.encoder(spec.framing);
            Set<StreamConnection<T>> open = ConcurrentHashMap.newKeySet();
            return UnixSocketFile.prepareOnWorker(spec.path, true).flatMap(unixFile -> {
                        UnixSocketFile file = unixFile.orElse(null);
                        SocketAddress address = file != null ? new DomainSocketAddress(file.bindPath.toString())
                                : spec.abstractName() != null ? SocketPaths.abstractAddress(spec.abstractName())
                                : new InetSocketAddress(spec.host, spec.port);
                        TcpServer tcp = TcpServer.create();
                        if (spec.loops != null) {
                            tcp = tcp.runOn(spec.loops);
                        }
                        return UnixSocketFile.publishAfter(tcp
                                .bindAddress(() -> address)
                                .doOnConnection(c -> {
                                    if (spec.metrics != io.interflux.internal.metrics.Metering.NONE) {
                                        c.addHandlerFirst("interflux-metrics", new MeteringHandler(spec.metrics));
                                    }
                                    c.addHandlerLast("interflux-framing",
                                            new FramingDecoder(spec.framing, spec.codec, describe(spec, c)));
                                })
                                .handle((in, out) -> {
                                    Connection[] connection = new Connection[1];
                                    in.withConnection(c -> connection[0] = c);
                                    StreamConnection<T> c = new StreamConnection<>(connection[0],
                                            describe(spec, connection[0]), spec.codec, encoder, spec.metrics);
                                    open.add(c);
                                    c.onDispose().subscribe(null, e -> open.remove(c), () -> open.remove(c));
                                    return serve(spec, c, pending);
                                })
                                .bind(), file, spec.mode, server -> new StreamServer<>(spec, server, file, pending, open));
                    });
        });
    }

    /** Checks the peer, then hands the connection to the handler or to {@link #connections()}. */
    private static <T> org.reactivestreams.Publisher<Void> serve(StreamServerSpec<T> spec, StreamConnection<T> c,
                                                                 Pending<T> pending) {
        if (spec.requirePeer != null) {
            PeerCredentials peer = c.peer().orElse(null);
            if (peer == null || !spec.requirePeer.test(peer)) {
                LOG.warn(spec.describe() + ": refused a peer (" + (peer == null ? "no credentials" : peer)
                        + "): closed before its first byte");
                return Mono.empty(); // ends, and so closes, the connection
            }
        }
        if (spec.handler != null) {
            return spec.handler.apply(c);
        }
        if (!pending.offer(c)) {
            LOG.warn(spec.describe() + ": " + PENDING_CONNECTIONS + " connections wait for connections()"
                    + " already, or the server is closing: closed " + c.description());
            return Mono.empty();
        }
        return c.onDispose();
    }

    private static String describe(StreamServerSpec<?> spec, Connection c) {
        return spec.unix() ? spec.describe() + " connection" : "TCP connection from " + c.channel().remoteAddress()
                + " to " + c.channel().localAddress();
    }

    /**
     * The connections, as they are accepted, when the spec has no handler: each is handed to one
     * subscriber, one unit of demand each, and is open until disposed (by the subscriber, or by
     * the peer closing it). One subscriber at a time; a later one (after a {@code take(1)}, say)
     * gets the connections that came meanwhile. Up to {@value #PENDING_CONNECTIONS} wait for
     * demand; more are closed and logged. Completes when the server is disposed.
     */
    public Flux<StreamConnection<T>> connections() {
        // one an operator took ahead and dropped on cancel is closed, not left open unserved
        return pending.connections().doOnDiscard(StreamConnection.class, StreamConnection::dispose);
    }

    /** The TCP port listened on (the one chosen, for port 0); -1 for a Unix socket. */
    public int port() {
        SocketAddress a = server.address();
        return a instanceof InetSocketAddress ? ((InetSocketAddress) a).getPort() : -1;
    }

    /** The Unix socket's path; {@code null} for TCP. */
    public Path path() {
        return spec.path;
    }

    /** The address listened on. */
    public SocketAddress address() {
        return server.address();
    }

    /**
     * Stops listening, closes every connection it accepted and removes the Unix socket file this
     * server put in place when the spec says so (on a worker thread: a file system call). Never
     * blocks; {@link #onDispose()} completes once all of that is done.
     */
    @Override
    public void dispose() {
        if (!disposing.compareAndSet(false, true)) {
            return;
        }
        pending.close();
        server.dispose();
        for (StreamConnection<T> c : open) {
            c.dispose();
        }
        Mono<Void> removed = file != null && spec.removeOnDispose
                ? Mono.fromRunnable(file::remove).subscribeOn(Schedulers.boundedElastic()).then()
                : Mono.empty();
        Mono.when(server.onDispose(), Flux.fromIterable(open).flatMap(StreamConnection::onDispose).then(), removed)
                .subscribe(null, e -> released.tryEmitEmpty(), released::tryEmitEmpty);
    }

    @Override
    public boolean isDisposed() {
        return disposing.get();
    }

    @Override
    public Mono<Void> onDispose() {
        return released.asMono();
    }

    @Override
    public String toString() {
        return "StreamServer[" + spec.describe() + "]";
    }

    /**
     * Accepted connections waiting for {@link #connections()}: a bounded queue that acceptor
     * threads fill and the current subscriber drains for its demand (a WIP loop, so one thread
     * emits at a time and nothing is emitted without demand).
     */
    static final class Pending<T> {
        private final Queue<StreamConnection<T>> waiting = Queues.<StreamConnection<T>>unboundedMultiproducer().get();
        private final AtomicInteger count = new AtomicInteger();
        private final AtomicReference<FluxSink<StreamConnection<T>>> consumer = new AtomicReference<>();
        private final AtomicInteger wip = new AtomicInteger();
        private volatile boolean closed;

        boolean offer(StreamConnection<T> c) {
            if (closed) {
                return false;
            }
            if (count.incrementAndGet() > PENDING_CONNECTIONS) {
                count.decrementAndGet();
                return false;
            }
            waiting.offer(c);
            drain();
            return true;
        }

        Flux<StreamConnection<T>> connections() {
            return Flux.create(sink -> {
                if (!consumer.compareAndSet(null, sink)) {
                    sink.error(new IllegalStateException("connections() has a subscriber already: one at a time"));
                    return;
                }
                sink.onRequest(n -> drain());
                sink.onDispose(() -> consumer.compareAndSet(sink, null));
                drain();
            });
        }

        void close() {
            closed = true;
            drain();
        }

        private void drain() {
            if (wip.getAndIncrement() != 0) {
                return;
            }
            int missed = 1;
            do {
                FluxSink<StreamConnection<T>> s = consumer.get();
                while (s != null && !s.isCancelled() && s.requestedFromDownstream() > 0) {
                    StreamConnection<T> c = waiting.poll();
                    if (c == null) {
                        break;
                    }
                    count.decrementAndGet();
                    s.next(c);
                }
                if (closed) {
                    for (StreamConnection<T> c; (c = waiting.poll()) != null; ) {
                        c.dispose();
                    }
                    if (s != null) {
                        s.complete();
                    }
                }
                missed = wip.addAndGet(-missed);
            } while (missed != 0);
        }
    }
}
