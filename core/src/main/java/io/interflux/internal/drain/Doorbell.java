package io.interflux.internal.drain;

import io.interflux.internal.Native;
import io.interflux.internal.Poller;
import io.interflux.internal.ReadyHandler;
import io.interflux.internal.Registration;

import java.nio.ByteBuffer;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Waiting on a doorbell: a descriptor (a FIFO next to a shared-memory segment) that another
 * process writes a byte into when it has made progress, but only after this side announced,
 * in memory both share, that it is going to sleep.
 *
 * <p>The protocol that makes this free of lost wake-ups and of system calls while busy is the
 * {@link Sleeper}'s: it sets its flag, issues a full fence and checks the shared state again
 * before anyone sleeps; the other side publishes its work, fences, reads the flag and rings
 * only when it is set (swapping it back, so one ring serves each sleep). A busy stream therefore
 * never touches the doorbell, and an idle one sleeps in {@code epoll_wait} with no CPU.
 *
 * <p>One edge-triggered registration serves every waiting stream of this process; an edge wakes
 * all of them, and those that find nothing announce their sleep again. With {@code drainOnWake}
 * the bell is read empty on every edge (a doorbell with one sleeper, which owns it); without, the
 * ringer empties it before each ring (a doorbell that many processes sleep on, each of which must
 * see the edge).
 */
public final class Doorbell implements ReadyHandler {

    /** The shared-memory half of the protocol. */
    public interface Sleeper {

        /**
         * Announces the sleep (sets the flag the ringer reads, with a full fence) and checks the
         * shared state once more: {@code true}, with the announcement withdrawn, when trying again
         * may succeed now; {@code false} to sleep until the bell rings.
         */
        boolean sleepUnlessReady();

        /** Woken (rung, spuriously, or cancelled): withdraw the announcement. */
        void woken();
    }

    private final Poller poller;
    private final Lifecycle lifecycle;
    private final Registration registration;
    private final boolean drainOnWake;
    private final Set<Waiter> waiters = ConcurrentHashMap.newKeySet();
    private final ByteBuffer scratch = ByteBuffer.allocateDirect(64);
    private final long scratchAddress = Native.address(scratch);

    /**
     * @param lifecycle   the owner's: the bell is read only while it holds, so never after its release closed the bell
     * @param fd          the bell, non-blocking; the owner closes it after {@link #cancel()}
     * @param drainOnWake whether each edge reads the bell empty (this process is its only sleeper)
     */
    public Doorbell(Poller poller, Lifecycle lifecycle, int fd, boolean drainOnWake) {
        this.poller = poller;
        this.lifecycle = lifecycle;
        this.drainOnWake = drainOnWake;
        this.registration = poller.registerEdgeTriggered(fd, this);
    }

    /** A new stream's wait on this bell, announced through {@code sleeper}. */
    public Readiness waiter(Sleeper sleeper) {
        return new Waiter(sleeper);
    }

    /** Whether a stream of this process sleeps on the bell right now. */
    public boolean hasSleepers() {
        return !waiters.isEmpty();
    }

    /** Wakes every stream of this process that sleeps on the bell, without a ring (a timer found a reason). */
    public void wakeAll() {
        Object[] woken = waiters.toArray();
        for (Object w : woken) {
            if (waiters.remove(w)) {
                ((Waiter) w).fire();
            }
        }
    }

    @Override
    public void ready(int events) {
        if (!lifecycle.enter()) {
            return; // released, or about to be: the descriptor may be closed, its number reused
        }
        try {
            ring();
        } finally {
            lifecycle.exit();
        }
    }

    private void ring() {
        if (drainOnWake) {
            // read it empty, so the next ring is an edge again; a read short of the buffer has
            // emptied it (a FIFO hands out what it holds), which saves the call that says EAGAIN
            int size = scratch.capacity();
            while (Native.libc().read(registration.fd(), scratchAddress, size) == size) {
                // nothing to keep: a ring carries no data
            }
        }
        wakeAll();
    }

    /** Removes the bell from the loop; call before closing it. */
    public void cancel() {
        registration.cancel();
    }

    private final class Waiter implements Readiness {
        private final Sleeper sleeper;
        private volatile Runnable wakeup;

        Waiter(Sleeper sleeper) {
            this.sleeper = sleeper;
        }

        @Override
        public void await(Runnable wakeup) {
            this.wakeup = wakeup;
            // in the set and armed before the announcement: a ring it causes finds us there
            waiters.add(this);
            registration.arm(Poller.EPOLLIN);
            if (sleeper.sleepUnlessReady() && waiters.remove(this)) {
                wakeup.run();
            }
        }

        void fire() {
            sleeper.woken();
            Runnable w = wakeup;
            if (w != null) {
                w.run();
            }
        }

        @Override
        public void resume(Runnable wakeup) {
            poller.execute(wakeup);
        }

        @Override
        public void cancel() {
            if (waiters.remove(this)) {
                sleeper.woken();
            }
        }
    }
}
