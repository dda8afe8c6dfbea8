package io.interflux.internal.drain;

/**
 * Puts messages into a kernel object without blocking: a queue's {@code mq_send}, frames
 * gathered into a pipe's {@code write(2)}. Used by one drain at a time.
 *
 * @param <M> the messages
 */
public interface MessageSink<M> {

    /**
     * Takes {@code message}: {@code true} when the sink has it (in the kernel, or held to be
     * written by a later {@link #flush}); {@code false} when it cannot take it now (the kernel
     * object is full, or the budget is spent) and the drain offers it again later. Spends the
     * budget before each kernel call. Throws {@link io.interflux.FrameTooLargeException} for a
     * message the object can never hold, and {@link io.interflux.IpcException} for other
     * failures, before any of the message reaches the kernel.
     */
    boolean offer(M message, WorkBudget budget);

    /**
     * Writes out what the sink holds: {@code true} when nothing is left, {@code false} when the
     * kernel is full or the budget is spent. A sink that holds nothing has nothing to do.
     */
    default boolean flush(WorkBudget budget) {
        return true;
    }

    /**
     * The send has ended, {@code early} when before its publisher did (cancel, failure,
     * dispose); called once, on the drain, before the send's subscriber hears of the end. A sink
     * shared by successive sends may keep what it had accepted and not yet written (the rest of
     * a frame already half in the kernel) for the next send, which writes it first, so a byte
     * stream is never left with a torn frame.
     */
    default void released(boolean early) {
    }
}
