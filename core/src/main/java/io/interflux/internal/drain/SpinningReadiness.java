package io.interflux.internal.drain;

/**
 * Tries again for a few microseconds before handing over to a slower waiting strategy, and
 * learns whether trying again pays.
 *
 * <p>A queue that a busy peer fills every microsecond or two is found empty again and again;
 * arming the descriptor each time costs an {@code epoll_ctl}, a wake-up of the loop and an
 * {@code epoll_wait} per message, where a blocking loop pays one system call. So after an empty
 * (or full) answer the drain retries at once, for a budget of at most {@code maxSpinNanos}, and
 * only then waits. The retries run inside the drain's own loop (the wake-up only leaves a missed
 * count behind), so the stack does not grow.
 *
 * <p>The budget adapts, as adaptive mutexes do: a spin that ended with a message restores it to
 * the maximum, a spin that ran out shrinks it by a quarter, down to nothing. When the peer cannot make
 * progress while we spin (it shares our event-loop thread) the budget soon falls to zero and
 * the stream simply waits; every {@value #PROBE_EVERY}th wait probes again with the whole
 * budget, so a stream whose peer has become fast again (a JVM past its warm-up, a ping-pong whose
 * partner was preempted for a while) finds that spinning pays. A smaller probe would fail
 * against a partner that itself sleeps between messages, and both would stay asleep for good.
 * The probe costs a sixty-fourth of a spin per wait; a stream that is idle does not wait at all.
 * No {@link Thread#onSpinWait()}: BlockHound counts it as blocking, and the retried system call
 * paces the loop anyway.
 */
public final class SpinningReadiness implements Readiness {

    static final int PROBE_EVERY = 64;
    /** Below twice this a budget that ran out drops to nothing. */
    static final long PROBE_NANOS = 1_000;

    private final Readiness delegate;
    private final long maxSpinNanos;
    private long budget;
    private long spinStart;
    private boolean spinning;
    private int waitsWithoutSpin;

    public SpinningReadiness(Readiness delegate, long maxSpinNanos) {
        this.delegate = delegate;
        this.maxSpinNanos = maxSpinNanos;
        this.budget = maxSpinNanos;
    }

    @Override
    public void await(Runnable wakeup) {
        long now = System.nanoTime();
        if (!spinning) {
            long b = budget;
            if (b == 0 && maxSpinNanos > 0 && ++waitsWithoutSpin >= PROBE_EVERY) {
                waitsWithoutSpin = 0;
                budget = b = maxSpinNanos;
            }
            if (b == 0) {
                delegate.await(wakeup);
                return;
            }
            spinning = true;
            spinStart = now;
        }
        if (now - spinStart < budget) {
            wakeup.run();
            return;
        }
        // the spin ran out: spinning is worth less here than we thought
        spinning = false;
        budget = budget < 2 * PROBE_NANOS ? 0 : budget - (budget >> 2);
        delegate.await(wakeup);
    }

    @Override
    public void resume(Runnable wakeup) {
        delegate.resume(wakeup);
    }

    @Override
    public void watch(Runnable drain) {
        delegate.watch(drain);
    }

    @Override
    public void progressed() {
        if (spinning) {
            spinning = false;
            budget = maxSpinNanos;
        }
        delegate.progressed();
    }

    @Override
    public void cancel() {
        delegate.cancel();
    }
}
