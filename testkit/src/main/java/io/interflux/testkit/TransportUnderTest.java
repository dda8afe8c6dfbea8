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
         * A separate process on the other side of the kernel object, for the peer-death test,
         * which kills it with {@code SIGKILL}: the child that echoes the frames (a pipe's
         * {@code cat}), or a process started now that sends frames of its own into the object as
         * fast as it can (a shell tool writing into a FIFO, a child JVM flooding a queue). Where
         * a stream ends only once every writer has gone (a FIFO), the loopback first closes its
         * own sending end. Called from the test thread while the inbound is subscribed with demand.
         */
        ProcessHandle startPeer() throws Exception;

        /**
         * What the inbound does once the peer process is dead: {@code true} when it ends (a pipe
         * or FIFO reaches end of file, or fails on a frame cut short); {@code false} when it goes
         * on, delivering what the loopback's own sender sends (a queue outlives its senders).
         */
        default boolean endsWhenPeerDies() {
            return true;
        }

        /**
         * Whether a named object this loopback created (a FIFO file, a queue) exists right now;
         * {@code false} for a mechanism without one. The suite checks it is gone after {@link #close()}.
         */
        default boolean namedObjectExists() {
            return false;
        }

        /**
         * Releases every descriptor and named object the loopback opened, also after a failed or
         * cancelled exchange and after the peer died. Called from the test thread; it may
         * wait for the release, and the suite polls {@code /proc/self/fd} in case it does not.
         */
        @Override
        void close() throws Exception;
    }
}
