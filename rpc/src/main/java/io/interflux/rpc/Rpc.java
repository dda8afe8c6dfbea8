package io.interflux.rpc;

import io.interflux.Framing;

/**
 * Entry points of Interflux RPC: calls between processes with RSocket 1.0's interactions and
 * wire format, over any two-way Interflux transport.
 *
 * <pre>{@code
 * // the server, answering on a Unix socket
 * RpcServer server = Rpc.server(Routes.empty()
 *         .requestResponse("greet", p -> Mono.just(Payload.of("hello " + p.dataUtf8()))))
 *     .bindNow(SocketRpc.unix(path), Duration.ofSeconds(5));
 *
 * // a client, in another process
 * RpcConnection peer = Rpc.client().connectNow(SocketRpc.unix(path), Duration.ofSeconds(5));
 * String answer = peer.requestResponse("greet", Payload.of("Ada")).map(Payload::dataUtf8).block();
 * }</pre>
 */
public final class Rpc {

    private Rpc() {
    }

    /** A client: it sends SETUP and keepalives, and answers nothing unless given {@link RpcSpec#routes(Routes)}. */
    public static RpcSpec client() {
        return RpcSpec.DEFAULT;
    }

    /**
     * RSocket's framing on byte streams (its TCP transport's): a 24-bit big-endian length, then
     * the frame. For a {@link FrameDuplex} of a byte-stream transport of your own.
     */
    public static Framing framing(int maxFrameSize) {
        return Framing.lengthPrefixed(3, maxFrameSize);
    }

    /** A server answering from {@code routes}. */
    public static RpcSpec server(Routes routes) {
        return RpcSpec.DEFAULT.routes(routes);
    }
}
