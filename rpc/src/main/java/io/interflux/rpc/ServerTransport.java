package io.interflux.rpc;

import io.interflux.IpcResource;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Where a server takes its connections from: a listening socket ({@code SocketRpc.server(...)}),
 * or this process's own stdin and stdout ({@code PipeRpc.standardStreams()}), which is one
 * connection. The SPI of rsocket-java's {@code ServerTransport}.
 */
@FunctionalInterface
public interface ServerTransport {

    /**
     * Binds lazily; the bound transport emits each accepted connection once.
     *
     * @param maxFrameSize the largest frame a connection must carry both ways, its framing excluded
     */
    Mono<Bound> bind(int maxFrameSize);

    /** A bound server transport. */
    interface Bound extends IpcResource {

        /** The connections as they are accepted; it completes when no more will come. Subscribed once. */
        Flux<FrameDuplex> connections();

        /** What the transport is bound to, for logs: {@code "Unix socket /run/app.sock"}. */
        String description();

        /** The socket address bound (the port chosen, for TCP port 0), or {@code null} for a transport without one. */
        default java.net.SocketAddress address() {
            return null;
        }
    }
}
