package io.interflux.internal.drain;

import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * The one WIP loop every drain runs, receiving or sending: whoever calls {@link #drain()} first
 * (a requester, the loop or timer after a wake-up, a canceller, the owner's dispose) runs
 * {@link #drainOnce()}; the others leave a missed count behind and the winner goes round
 * again. Every kernel call a pass makes is non-blocking, so draining on a caller's thread is
 * safe and saves a hop. Also the flags that end a drain, the same for both sides.
 */
abstract class DrainLoop implements Lifecycle.Member, Runnable {

    private static final AtomicIntegerFieldUpdater<DrainLoop> WIP =
            AtomicIntegerFieldUpdater.newUpdater(DrainLoop.class, "wip");

    private volatile int wip;
    /** Set by the pass that ends the drain; no pass runs after it. Touched inside passes only. */
    boolean terminated;
    volatile boolean cancelled;
    volatile boolean ownerClosed;

    /** One pass: moves what it may within the budget, then waits, resumes or ends. */
    abstract void drainOnce();

    /**
     * Set by a wake-up from the readiness or the loop ({@link #run()}): the next pass starts a new
     * turn with a fresh work budget. Drains started by the stream itself (an {@code onNext}, a
     * {@code request}) go on with the budget they have: a publisher that answers the drain's own
     * request at once would otherwise start a fresh drain with a fresh budget for every message
     * it emits, and keep its thread (a loop thread, or a subscriber's) for as long as it had
     * messages, every other stream on that thread waiting. Once spent, the drain resumes through
     * its readiness, which sets this.
     */
    private volatile boolean freshTurn = true;

    /** Called before a pass when a new turn has begun: the place to reset the work budget. */
    void newTurn() {
    }

    /** Called after every pass, the last one included: the place to report what it counted. */
    void afterPass() {
    }

    final void drain() {
        if (WIP.getAndIncrement(this) != 0) {
            return;
        }
        int missed = 1;
        for (;;) {
            if (!terminated) {
                if (freshTurn) {
                    freshTurn = false;
                    newTurn();
                }
                drainOnce();
                afterPass();
            }
            missed = WIP.addAndGet(this, -missed);
            if (missed == 0) {
                return;
            }
        }
    }

    /** The subscriber cancelled: the next pass releases. */
    public void cancel() {
        cancelled = true;
        drain();
    }

    /** The owner disposed the object: the next pass ends the stream and releases. */
    @Override
    public void ownerClosed() {
        ownerClosed = true;
        drain();
    }

    /** A wake-up from the readiness (or a resume after a spent budget): the object may have a message, or room. */
    @Override
    public void run() {
        freshTurn = true;
        drain();
    }
}
