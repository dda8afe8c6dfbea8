package io.interflux.internal.drain;

/**
 * How a drain waits after the kernel said "not now" (empty queue, full pipe), without holding a
 * thread: an epoll arm, a timer, a short spin, a doorbell.
 */
public interface Readiness {

    /**
     * Runs {@code wakeup} once, on some thread, when trying again may succeed. Called from the
     * drain only; spurious wake-ups are allowed (the drain simply tries again).
     */
    void await(Runnable wakeup);

    /**
     * Runs {@code wakeup} soon, without waiting for an event: the drain spent its
     * {@link WorkBudget} and hands the rest of its work on (to the event loop's task queue, or the
     * timer), so other streams get their turn.
     */
    void resume(Runnable wakeup);

    /**
     * Called once when the drain starts, with the drain to wake: a readiness that hears of
     * events it was not asked for (an edge-triggered registration) may wake the drain on them.
     */
    default void watch(Runnable drain) {
    }

    /** The drain moved a message: a waiting strategy that backs off starts over. */
    default void progressed() {
    }

    /** The drain has ended: a pending wake-up may be dropped. */
    default void cancel() {
    }
}
