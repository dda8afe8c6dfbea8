package io.interflux.testkit;

import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * What a transport gives the conformance suite: a way to open a loopback, an endpoint whose sent
 * frames come back, in order, on its inbound side, through the real kernel object (a {@code cat}
 * child for pipes, one FIFO opened by a writer and a reader, one queue sent to and received from).
 *
 * <p>A transport's test implements this in a few lines and extends {@link TransportConformance}.
 */
public interface TransportUnderTest {

    /** A short name for reports, {@code "pipe"}. */
    String name();

    /**
     * Opens a fresh loopback whose frames may be up to {@code maxFrameSize} bytes. Everything it
     * opens is released by {@link Loopback#close()}.
     */
    Loopback open(int maxFrameSize) throws Exception;

    /** One loopback through a kernel object. */
    interface Loopback extends AutoCloseable {

        /** The frames coming back; subscribed at most once per loopback. */
        Flux<byte[]> inbound();

        /** Sends frames through the kernel object; completes when all are in it. */
        Mono<Void> send(Publisher<byte[]> frames);

        /**
         * Makes a frame of {@code size} bytes (more than the loopback's maximum) reach the
         * inbound side, bypassing the sender's own check, or, where the mechanism cannot carry
         * one at all, attempts to send it. The suite expects either this Mono or the inbound to
         * fail with {@link io.interflux.FrameTooLargeException}.
         */
        Mono<Void> sendOversize(int size);

        /**
         * The most payload bytes that can sit between {@link #send} and {@link #inbound()} when
         * nobody reads: kernel buffers, peer buffers, the library's prefetch. The slow-subscriber
         * test checks the sender is held back within this bound.
         */
        long inFlightBoundBytes(int frameSize);

        /** Ends the other side abruptly: kills the peer process, or closes the writing end. */
        void killPeer() throws Exception;

        /** Releases every descriptor and named object the loopback opened. */
        @Override
        void close() throws Exception;
    }
}
