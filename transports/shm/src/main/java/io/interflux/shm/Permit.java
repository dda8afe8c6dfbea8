package io.interflux.shm;

import reactor.core.Disposable;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A permit taken from a {@link SharedSemaphore} or a {@link PosixSemaphore}, held until
 * {@link #release()} (or {@link #dispose()}, the same). Releasing is idempotent, never blocks and
 * may happen on any thread.
 *
 * <p>A permit that is dropped without being released stays taken: until this process exits for a
 * {@link SharedSemaphore}, whose kernel undoes it then, and for good for a {@link PosixSemaphore}.
 * Prefer {@link SharedSemaphore#withPermit(org.reactivestreams.Publisher)}, which cannot forget.
 *
 * <p>A permit of a lock (a {@link SharedSemaphore} with one permit) also says whether the
 * previous holder died while holding it: then the data the lock guards may be half-updated, and
 * the new holder should check or repair it before relying on it.
 */
public final class Permit implements Disposable {

    private final AbstractSemaphore owner;
    private final boolean previousHolderDied;
    private final int previousHolderPid;
    private final AtomicBoolean released = new AtomicBoolean();

    Permit(AbstractSemaphore owner, boolean previousHolderDied, int previousHolderPid) {
        this.owner = owner;
        this.previousHolderDied = previousHolderDied;
        this.previousHolderPid = previousHolderPid;
    }

    /**
     * Whether the previous holder of this lock died (was killed, crashed, exited) while holding
     * it, so that the kernel gave the lock back on its behalf. Always {@code false} for a
     * semaphore of several permits and for POSIX semaphores, which cannot tell.
     */
    public boolean previousHolderDied() {
        return previousHolderDied;
    }

    /**
     * The process id of the holder that died holding this lock, when it had recorded it; 0 when
     * {@link #previousHolderDied()} is {@code false} or the holder died before recording itself.
     */
    public int previousHolderPid() {
        return previousHolderPid;
    }

    /** Gives the permit back. Idempotent; never blocks. */
    public void release() {
        if (released.compareAndSet(false, true)) {
            owner.giveBack(this);
        }
    }

    /** {@link #release()}. */
    @Override
    public void dispose() {
        release();
    }

    @Override
    public boolean isDisposed() {
        return released.get();
    }

    @Override
    public String toString() {
        return "Permit[" + owner.description + (previousHolderDied ? ", previous holder "
                + (previousHolderPid != 0 ? "pid " + previousHolderPid + " " : "") + "died" : "")
                + (released.get() ? ", released" : "") + "]";
    }
}
