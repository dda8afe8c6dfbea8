package io.interflux.internal.drain;

/**
 * Takes messages from a kernel object without blocking: a queue's {@code mq_receive}, a pipe's
 * {@code read(2)} cut into frames, a ring's next record. Used by one drain at a time.
 *
 * @param <M> the messages
 */
public interface MessageSource<M> {

    /**
     * One message, or {@code null} when none can be taken right now. Spends the budget before
     * each kernel call; when it refuses, returns {@code null} without a call. Throws an
     * {@link io.interflux.InterfluxException} (or the codec's exception), which ends the stream.
     */
    M poll(WorkBudget budget);

    /** After a {@code null} poll: whether the source has ended (end of stream) rather than being empty for now. */
    default boolean ended() {
        return false;
    }

    /**
     * Asked when the subscriber's demand is met: whether the stream has ended although nothing
     * was asked for (a byte stream whose writer left after its last frame was taken), so the
     * drain completes now rather than at the next request. Must not take a message.
     */
    default boolean endedWithoutDemand() {
        return false;
    }

    /**
     * The subscription that used this source has ended (completion, error, cancel, dispose);
     * called once, on the drain. A source that holds something for its subscription (a ring's
     * consumer claim) lets go of it here.
     */
    default void released() {
    }
}
