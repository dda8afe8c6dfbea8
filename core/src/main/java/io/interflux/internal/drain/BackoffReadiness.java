package io.interflux.internal.drain;

import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;

import java.util.concurrent.TimeUnit;

/**
 * Waiting for an object that cannot be polled (a System V queue): try again on a timer, soon at first and
 * less often the longer nothing happens.
 *
 * <p>The first {@value #IMMEDIATE} retries are re-submitted at once (a reply that is a few
 * microseconds away is caught without sleeping); then the delay starts at
 * {@value #FIRST_DELAY_NANOS} ns and doubles up to the maximum. Any message moved starts over.
 * The cost is latency: a message that arrives after the queue has been quiet for a while waits
 * up to the maximum delay before it is taken; a queue with demand and no traffic costs one
 * non-blocking system call per maximum delay.
 */
public final class BackoffReadiness implements Readiness {

    static final int IMMEDIATE = 16;
    static final long FIRST_DELAY_NANOS = 20_000;

    private final Scheduler timer;
    private final long maxDelayNanos;
    private int attempts;
    private volatile Disposable pending;

    /**
     * @param timer         where retries run; its threads may be non-blocking (retries never block)
     * @param maxDelayNanos the longest pause between two tries
     */
    public BackoffReadiness(Scheduler timer, long maxDelayNanos) {
        this.timer = timer;
        this.maxDelayNanos = maxDelayNanos;
    }

    @Override
    public void await(Runnable wakeup) {
        int a = attempts++;
        if (a < IMMEDIATE) {
            pending = timer.schedule(wakeup);
            return;
        }
        int shift = Math.min(a - IMMEDIATE, 20);
        long delay = Math.min(maxDelayNanos, FIRST_DELAY_NANOS << shift);
        pending = timer.schedule(wakeup, delay, TimeUnit.NANOSECONDS);
    }

    @Override
    public void resume(Runnable wakeup) {
        pending = timer.schedule(wakeup);
    }

    @Override
    public void progressed() {
        attempts = 0;
    }

    @Override
    public void cancel() {
        Disposable p = pending;
        if (p != null) {
            p.dispose();
        }
    }
}
