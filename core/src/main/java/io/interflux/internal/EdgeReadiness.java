package io.interflux.internal;

import io.interflux.internal.drain.Readiness;

/**
 * The readiness of one descriptor that one drain at a time uses (a pipe's or FIFO's end): an
 * edge-triggered registration, added on the first wait and free to arm after that, which hears
 * of every change, wanted or not, and wakes the drain it {@linkplain #watch watches}. A drain
 * that always reads or writes until {@code EAGAIN} before it waits cannot miss an edge.
 */
final class EdgeReadiness implements Readiness, ReadyHandler {

    private final Poller poller;
    private final int interest;
    private final boolean endsWithDrain;
    private final Registration registration;
    private volatile Runnable drain;
    private volatile boolean hangup;

    /**
     * @param interest      {@link Poller#EPOLLIN} or {@link Poller#EPOLLOUT}
     * @param endsWithDrain whether the drain's end removes the registration; {@code false} for a
     *                      descriptor that successive drains share (a writer's sends), whose
     *                      owner calls {@link #release()}
     */
    EdgeReadiness(Poller poller, int fd, int interest, boolean endsWithDrain) {
        this.poller = poller;
        this.interest = interest;
        this.endsWithDrain = endsWithDrain;
        this.registration = poller.registerEdgeTriggered(fd, this);
    }

    /** Stays registered (free after the first time), so changes are heard of without a wait. */
    void arm() {
        registration.arm(interest);
    }

    /** Whether the poller has reported a hang-up or error: the other end may be gone. */
    boolean hungUp() {
        return hangup;
    }

    /** Removes the descriptor from the poller; before it is closed. */
    void release() {
        registration.cancel();
    }

    @Override
    public void watch(Runnable drain) {
        this.drain = drain;
    }

    @Override
    public void await(Runnable wakeup) {
        drain = wakeup; // the drain that waits is the one to wake, whatever a cancel cleared before
        arm();
    }

    @Override
    public void resume(Runnable wakeup) {
        poller.execute(wakeup);
    }

    @Override
    public void cancel() {
        // the drain (and through it its subscriber) is not kept past its end (Reactive Streams 3.13)
        drain = null;
        if (endsWithDrain) {
            release();
        }
    }

    @Override
    public void ready(int events) {
        if ((events & (Poller.EPOLLHUP | Poller.EPOLLERR)) != 0) {
            hangup = true;
        }
        Runnable d = drain;
        if (d != null) {
            d.run();
        }
    }
}
