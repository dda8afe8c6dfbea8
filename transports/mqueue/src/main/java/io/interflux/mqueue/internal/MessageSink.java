package io.interflux.mqueue.internal;

/** Puts messages into a kernel queue without blocking. Used by one drain at a time. */
@FunctionalInterface
public interface MessageSink<M> {

    /**
     * Puts {@code message} in the queue: {@code true} when it is in, {@code false} when the queue
     * is full right now. Throws {@link io.interflux.FrameTooLargeException} for a message the
     * queue can never hold and {@link io.interflux.IpcException} for other failures, before the
     * message reaches the kernel.
     */
    boolean offer(M message);
}
