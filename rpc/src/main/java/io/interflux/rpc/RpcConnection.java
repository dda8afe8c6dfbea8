package io.interflux.rpc;

import io.interflux.IpcResource;
import io.interflux.rpc.internal.Session;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * One RPC connection: calls to the peer's routes, many at once over one transport. Each call is
 * lazy and cold: nothing is sent before its subscriber's first request, whose amount travels as
 * RSocket's initial request-n; later requests travel as REQUEST_N, and a cancel as CANCEL, so the
 * remote handler never produces more than the subscriber asked for.
 *
 * <pre>{@code
 * RpcConnection peer = Rpc.client().connectNow(SocketRpc.unix(path), Duration.ofSeconds(5));
 * peer.requestResponse("greet", Payload.of("Ada")).map(Payload::dataUtf8)          // Mono<String>
 * peer.requestStream("count", Payload.of("1000")).limitRate(10)                     // 10 at a time
 * peer.requestChannel("upper", Flux.just("a", "b").map(Payload::of))
 * peer.fireAndForget("log", Payload.of("started"))
 * }</pre>
 *
 * <p>A call fails with {@link RpcException}: the remote handler's error ({@code APPLICATION_ERROR}
 * with its message), a refusal (an unknown route is {@code INVALID}), or the end of the
 * connection, which every call in flight hears at once ({@code CONNECTION_CLOSE} when the peer
 * closed or died, {@code CONNECTION_ERROR} when it went silent past the keepalive lifetime or broke
 * the protocol). A payload too big for one frame fails its call with
 * {@link io.interflux.FrameTooLargeException} naming the limit, before anything is sent; a frame
 * from the peer over the limit ends the connection with it.
 *
 * <p>Answers are delivered on the connection's own thread (the transport's event loop), one
 * frame after another for every call it carries: a subscriber that does slow work in
 * {@code onNext} holds up every call on the connection, so it should {@code publishOn} a
 * scheduler of its own; one that throws from {@code onNext} ends the connection.
 */
public final class RpcConnection implements IpcResource {

    private final Session session;

    RpcConnection(Session session) {
        this.session = session;
    }

    /** One payload answered by one payload, or none (an empty Mono). */
    public Mono<Payload> requestResponse(String route, Payload payload) {
        return session.requestResponse(route, payload);
    }

    /** One payload sent; the Mono completes when it is handed to the transport. Nothing comes back. */
    public Mono<Void> fireAndForget(String route, Payload payload) {
        return session.fireAndForget(route, payload);
    }

    /** One payload answered by a stream, which produces only as this Flux is requested. */
    public Flux<Payload> requestStream(String route, Payload payload) {
        return session.requestStream(route, payload);
    }

    /**
     * A stream each way. The first of {@code payloads} opens the channel (an empty publisher opens
     * nothing and the result completes empty); the rest are taken as the remote handler requests
     * them, and the answers come as this Flux is requested.
     */
    public Flux<Payload> requestChannel(String route, Publisher<Payload> payloads) {
        return session.requestChannel(route, payloads);
    }

    /**
     * A proxy of {@code service} whose methods call the peer: see {@link RpcService} for how methods
     * map to interactions and routes, and {@code codec} for how arguments and results travel.
     */
    public <T> T service(Class<T> service, RpcCodec codec) {
        return RpcService.proxy(this, service, codec);
    }

    /** The data MIME type the connection was set up with. */
    public String dataMimeType() {
        return session.dataMimeType();
    }

    /** What the connection runs over, for logs. */
    public String description() {
        return session.name();
    }

    /** Closes the connection; calls in flight fail with {@code CONNECTION_CLOSE}. */
    @Override
    public void dispose() {
        session.dispose();
    }

    @Override
    public boolean isDisposed() {
        return session.isDisposed();
    }

    /** Completes when the connection has ended, by either side, and its transport is released. */
    @Override
    public Mono<Void> onDispose() {
        return session.onClose();
    }

    @Override
    public String toString() {
        return session.name();
    }
}
