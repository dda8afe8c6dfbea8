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
     * opens is released by {@link Loopback#close()}. Called from the test thread, which it may
     * block until the loopback is ready; each test opens its own.
     */
    Loopback open(int maxFrameSize) throws Exception;

    /** One loopback through a kernel object. */
    interface Loopback extends AutoCloseable {

        /**
         * The frames coming back, read only while the subscriber has demand; subscribed at most
         * once per loopback. It ends with completion or an error when the peer goes away, and
         * cancelling it must not leave anything open that {@link #close()} does not release.
         */
        Flux<byte[]> inbound();

        /**
         * Sends frames through the kernel object, no faster than it accepts them; completes when
         * all are in it. The suite starts one send at a time, possibly while the inbound is not
         * yet subscribed, and may start another once the previous one has ended.
         */
        Mono<Void> send(Publisher<byte[]> frames);

        /**
         * Makes a frame of {@code size} bytes (more than the loopback's maximum) reach the
         * inbound side, bypassing the sender's own check, or, where the mechanism cannot carry
         * one at all, attempts to send it. The suite expects either this Mono or the inbound to
         * fail with {@link io.interflux.FrameTooLargeException}, and no byte of the frame to come
         * out of the inbound as data. Subscribed after the previous send has completed.
         */
        Mono<Void> sendOversize(int size);

        /**
         * The most payload bytes that can sit between {@link #send} and {@link #inbound()} when
         * nobody reads: kernel buffers, peer buffers, the library's prefetch. The slow-subscriber
         * test checks the sender is held back within this bound.
         *
         * @param frameSize the payload bytes of each frame; the result counts payload bytes, so a
         *                  transport whose framing adds a header may count its buffers as payload
         */
        long inFlightBoundBytes(int frameSize);

        /**
         * Ends the other side abruptly: kills the peer process, or closes the writing end. Called
         * from the test thread (it may block briefly) while the inbound is subscribed with demand
         * and a send may be in progress.
         */
        void killPeer() throws Exception;

        /**
         * Releases every descriptor and named object the loopback opened, also after a failed or
         * cancelled exchange and after {@link #killPeer()}. Called from the test thread; it may
         * wait for the release, and the suite polls {@code /proc/self/fd} in case it does not.
         */
        @Override
        void close() throws Exception;
    }
}
