package io.interflux.mqueue.internal;

/**
 * How a queue drain waits after the kernel said "not now" (empty queue, full queue), without
 * holding a thread.
 */
public interface Readiness {

    /**
     * Runs {@code wakeup} once, on some thread, when trying again may succeed. Called from the
     * drain only; spurious wake-ups are allowed (the drain simply tries again).
     */
    void await(Runnable wakeup);

    /** The drain moved a message: a waiting strategy that backs off starts over. */
    default void progressed() {
    }

    /** The drain has ended: a pending wake-up may be dropped. */
    default void cancel() {
    }
}
