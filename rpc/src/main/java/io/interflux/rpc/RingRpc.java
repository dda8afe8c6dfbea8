package io.interflux.rpc;

import io.interflux.shm.RingMessage;
import io.interflux.shm.SharedRing;
import io.interflux.shm.SharedRingSpec;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * RPC over a pair of shared-memory rings (needs {@code interflux-shm}): one ring each way, one
 * RSocket frame per ring record, no framing bytes. The two processes name the same two rings
 * crosswise: what one sends on, the other receives from.
 *
 * <pre>{@code
 * // the server process
 * Rpc.server(routes).bindNow(RingRpc.serve(SharedRing.named("/calls"), SharedRing.named("/answers")), timeout);
 * // the client process
 * Rpc.client().connectNow(RingRpc.connect(SharedRing.named("/calls"), SharedRing.named("/answers")), timeout);
 * }</pre>
 *
 * The frame limit is the smaller of the spec's and the rings' largest record. A ring has no
 * peer-death signal of its own: a dead peer is noticed by the keepalive lifetime.
 */
public final class RingRpc {

    private RingRpc() {
    }

    /** The client's side: it sends on {@code requests} and receives on {@code responses}. */
    public static ClientTransport connect(SharedRingSpec requests, SharedRingSpec responses) {
        return maxFrameSize -> open(requests, responses, maxFrameSize);
    }

    /** The server's side, one connection: it receives on {@code requests} and sends on {@code responses}. */
    public static ServerTransport serve(SharedRingSpec requests, SharedRingSpec responses) {
        return maxFrameSize -> open(responses, requests, maxFrameSize).map(OneConnection::new);
    }

    private static Mono<FrameDuplex> open(SharedRingSpec out, SharedRingSpec in, int maxFrameSize) {
        return Mono.zip(out.open(), in.open()).map(rings -> new Duplex(rings.getT1(), rings.getT2(), maxFrameSize));
    }

    private static final class Duplex implements FrameDuplex {
        private final SharedRing out;
        private final SharedRing in;
        private final int maxFrameSize;

        Duplex(SharedRing out, SharedRing in, int maxFrameSize) {
            this.out = out;
            this.in = in;
            this.maxFrameSize = Math.min(maxFrameSize, Math.min(out.maxMessageSize(), in.maxMessageSize()));
        }

        @Override
        public Flux<byte[]> receive() {
            return in.receive().map(RingMessage::payload);
        }

        @Override
        public Mono<Void> send(Publisher<byte[]> frames) {
            return out.send(Flux.from(frames).map(RingMessage::of));
        }

        @Override
        public Mono<Void> onDispose() {
            return Mono.when(out.onDispose(), in.onDispose());
        }

        @Override
        public int maxFrameSize() {
            return maxFrameSize;
        }

        @Override
        public String description() {
            return "shared-memory rings " + out.name() + " (out) and " + in.name() + " (in)";
        }

        @Override
        public void dispose() {
            out.dispose();
            in.dispose();
        }

        @Override
        public boolean isDisposed() {
            return out.isDisposed() && in.isDisposed();
        }
    }
}
