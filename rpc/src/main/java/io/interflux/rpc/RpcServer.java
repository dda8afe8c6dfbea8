package io.interflux.rpc;

import io.interflux.IpcResource;
import io.interflux.rpc.internal.Session;
import io.interflux.rpc.internal.Settings;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.util.Logger;
import reactor.util.Loggers;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A bound RPC server: it answers every connection its transport accepts. Disposing it stops
 * accepting and closes every connection; {@link #onDispose()} completes when the transport is
 * released. A server over one connection (this process's standard streams) disposes itself when
 * that connection ends, so a child serving its parent can wait for {@link #onDispose()} and exit.
 */
public final class RpcServer implements IpcResource {

    private static final Logger log = Loggers.getLogger(RpcServer.class);

    private final ServerTransport.Bound bound;
    private final Set<RpcConnection> connections = ConcurrentHashMap.newKeySet();
    private final Sinks.Many<RpcConnection> accepted = Sinks.many().multicast().directBestEffort();
    private final Disposable accepting;
    private final AtomicBoolean disposing = new AtomicBoolean();
    private final Sinks.Empty<Void> disposed = Sinks.empty();
    private volatile boolean transportDone;

    RpcServer(ServerTransport.Bound bound, Settings settings) {
        this.bound = bound;
        bound.onDispose().subscribe(null, e -> disposed.tryEmitEmpty(), disposed::tryEmitEmpty);
        this.accepting = bound.connections()
                .flatMap(duplex -> new Session(duplex, false, settings).start()
                        .map(RpcConnection::new)
                        .doOnNext(this::track)
                        .onErrorResume(e -> {
                            log.debug("an RPC connection on {} was not set up: {}", bound.description(), e.toString());
                            return Mono.empty();
                        }), Integer.MAX_VALUE) // a client slow to send SETUP holds up no other
                .subscribe(c -> { }, e -> {
                    log.warn("{} stopped accepting: {}", bound.description(), e.toString());
                    dispose();
                }, () -> {
                    transportDone = true;
                    if (connections.isEmpty()) {
                        dispose();
                    }
                });
    }

    private void track(RpcConnection c) {
        connections.add(c);
        accepted.tryEmitNext(c);
        c.onDispose().subscribe(null, e -> { }, () -> {
            connections.remove(c);
            if (transportDone && connections.isEmpty()) {
                dispose(); // a one-connection transport: its connection was the server's whole life
            }
        });
        if (disposing.get()) {
            c.dispose();
        }
    }

    /** The connections set up from now on, for calls back to the clients; a subscriber without demand misses those that come meanwhile. */
    public Flux<RpcConnection> connections() {
        return accepted.asFlux();
    }

    /** How many connections are open now. */
    public int connectionCount() {
        return connections.size();
    }

    /** The socket address bound (with the port chosen, for TCP port 0); {@code null} over pipes and rings. */
    public java.net.SocketAddress address() {
        return bound.address();
    }

    /** What the server is bound to. */
    public String description() {
        return bound.description();
    }

    @Override
    public void dispose() {
        if (disposing.compareAndSet(false, true)) {
            accepting.dispose();
            for (RpcConnection c : connections) {
                c.dispose();
            }
            accepted.tryEmitComplete();
            bound.dispose();
        }
    }

    @Override
    public boolean isDisposed() {
        return disposing.get();
    }

    @Override
    public Mono<Void> onDispose() {
        return disposed.asMono();
    }

    @Override
    public String toString() {
        return "RpcServer[" + bound.description() + "]";
    }
}
