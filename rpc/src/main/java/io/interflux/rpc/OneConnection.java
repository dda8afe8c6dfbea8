package io.interflux.rpc;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** A server transport of exactly one connection (standard streams, a ring pair): its life is the connection's. */
final class OneConnection implements ServerTransport.Bound {
    private final FrameDuplex duplex;

    OneConnection(FrameDuplex duplex) {
        this.duplex = duplex;
    }

    @Override
    public Flux<FrameDuplex> connections() {
        return Flux.just(duplex);
    }

    @Override
    public String description() {
        return duplex.description();
    }

    @Override
    public Mono<Void> onDispose() {
        return duplex.onDispose();
    }

    @Override
    public void dispose() {
        duplex.dispose();
    }

    @Override
    public boolean isDisposed() {
        return duplex.isDisposed();
    }
}
