package io.interflux.rpc;

import org.reactivestreams.Publisher;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * What RPC needs of a transport: a two-way stream of whole frames, with demand. This is the SPI a
 * new transport implements; {@code SocketRpc}, {@code PipeRpc} and {@code RingRpc} implement it
 * over Interflux's stream sockets, child pipes and shared-memory rings.
 *
 * <p>Contract:
 * <ul>
 *   <li>{@link #receive()} MUST deliver each frame whole, without the transport's framing (RSocket's
 *   TCP transport prefixes a 24-bit length), and MUST read from the peer only while its subscriber
 *   has demand: that is what carries backpressure from the RPC layer to the other process. It
 *   MUST end with an error or completion when the peer goes away. It is subscribed once.</li>
 *   <li>{@link #send(Publisher)} is subscribed once for the life of the connection with the stream
 *   of frames to write; it MUST request only as the transport can write, and MUST refuse a frame
 *   over {@link #maxFrameSize()} with {@link io.interflux.FrameTooLargeException}.</li>
 *   <li>{@link #dispose()} closes both directions; {@link #onDispose()} completes when the
 *   transport's resources are released.</li>
 * </ul>
 */
public interface FrameDuplex extends Disposable {

    /** The frames the peer sends, read as they are demanded. */
    Flux<byte[]> receive();

    /** Writes {@code frames} as the transport becomes writable. */
    Mono<Void> send(Publisher<byte[]> frames);

    /** Completes when the transport is closed and released. */
    Mono<Void> onDispose();

    /** The largest frame either direction carries, its framing excluded. */
    int maxFrameSize();

    /** What the transport is, for errors: {@code "Unix socket /run/app.sock"}. */
    String description();
}
