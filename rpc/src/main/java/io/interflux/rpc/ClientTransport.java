package io.interflux.rpc;

import reactor.core.publisher.Mono;

/**
 * How a client reaches its server: {@code SocketRpc.unix(path)}, {@code PipeRpc.child(process)},
 * {@code RingRpc.pair(...)}. The tiny SPI of rsocket-java's {@code ClientTransport}.
 */
@FunctionalInterface
public interface ClientTransport {

    /**
     * A lazy connection: nothing is opened until subscribed, and each subscription opens a new one.
     * It MUST fail, not hang, when the server cannot be reached.
     *
     * @param maxFrameSize the largest frame the connection must carry both ways, its framing excluded
     */
    Mono<FrameDuplex> connect(int maxFrameSize);
}
