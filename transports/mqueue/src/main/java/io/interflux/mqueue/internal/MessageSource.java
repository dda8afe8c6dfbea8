package io.interflux.mqueue.internal;

/** Takes messages out of a kernel queue without blocking. Used by one drain at a time. */
@FunctionalInterface
public interface MessageSource<M> {

    /**
     * One message, or {@code null} when the queue has none right now. Throws
     * {@link io.interflux.IpcException} or {@link io.interflux.FrameTooLargeException}, which
     * end the stream.
     */
    M poll();
}
