package io.interflux.shm;

import io.interflux.DisposedException;
import io.interflux.internal.drain.Lifecycle;
import io.interflux.internal.drain.MessageReceive;
import io.interflux.internal.drain.MessageSource;
import io.interflux.internal.drain.Readiness;
import io.interflux.internal.drain.WorkBudget;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;

import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.Supplier;

/**
 * One permit as a {@link Mono}: taken at once when one is free (one non-blocking kernel call on
 * the requesting thread, {@code semop} with {@code IPC_NOWAIT} or {@code sem_trywait}); otherwise
 * core's receive drain over a source whose "message" is a permit, waiting on a readiness (a timer
 * backoff) while none is free. A hand-off makes sure a permit taken just as the subscriber
 * cancelled is given back rather than lost.
 */
final class PermitAcquire extends Mono<Permit> {

    /** A permit taken now, or {@code null} when none is free. Throws when the semaphore is gone. */
    interface Taker {
        Permit tryTake();
    }

    private final String description;
    private final Taker taker;
    private final MessageReceive<Permit> permits;

    PermitAcquire(String description, Lifecycle lifecycle, Taker taker, Supplier<? extends Readiness> readiness) {
        this.description = description;
        this.taker = taker;
        this.permits = new MessageReceive<>(description, lifecycle, () -> new Source(taker), s -> readiness.get());
    }

    @Override
    public void subscribe(CoreSubscriber<? super Permit> actual) {
        actual.onSubscribe(new HandOff(this, actual));
    }

    private static final class Source implements MessageSource<Permit> {
        private final Taker taker;

        Source(Taker taker) {
            this.taker = taker;
        }

        @Override
        public Permit poll(WorkBudget budget) {
            return budget.spend() ? taker.tryTake() : null;
        }
    }

    /**
     * Between the semaphore and the subscriber: on the first request tries once, and only when
     * no permit is free subscribes to the drain for one; delivers the permit unless the
     * subscriber has cancelled, and otherwise releases it. The state decides, once, whether the
     * permit or the cancel came first.
     */
    static final class HandOff implements CoreSubscriber<Permit>, Subscription {
        private static final int WAITING = 0;
        private static final int DONE = 1;
        private static final int CANCELLED = 2;

        private final PermitAcquire parent;
        private final CoreSubscriber<? super Permit> actual;
        /** The drain's subscription, once waiting; a cancel that comes before it is passed on by onSubscribe. */
        private volatile Subscription upstream;
        private volatile int state;
        private static final AtomicIntegerFieldUpdater<HandOff> STATE =
                AtomicIntegerFieldUpdater.newUpdater(HandOff.class, "state");
        private volatile int requested;
        private static final AtomicIntegerFieldUpdater<HandOff> REQUESTED =
                AtomicIntegerFieldUpdater.newUpdater(HandOff.class, "requested");

        HandOff(PermitAcquire parent, CoreSubscriber<? super Permit> actual) {
            this.parent = parent;
            this.actual = actual;
        }

        @Override
        public reactor.util.context.Context currentContext() {
            return actual.currentContext();
        }

        @Override
        public void request(long n) {
            if (!Operators.validate(n) || !REQUESTED.compareAndSet(this, 0, 1)) {
                return;
            }
            Permit permit;
            try {
                permit = parent.taker.tryTake();
            } catch (RuntimeException e) {
                onError(e);
                return;
            }
            if (permit != null) {
                onNext(permit);
            } else if (state == WAITING) {
                parent.permits.subscribe(this);
            }
        }

        @Override
        public void onSubscribe(Subscription s) {
            upstream = s;
            // volatile write then read, against cancel's write then read: one of the two sees the other
            if (state == CANCELLED) {
                s.cancel();
            } else {
                s.request(1);
            }
        }

        @Override
        public void onNext(Permit permit) {
            Subscription s = upstream;
            if (s != null) {
                s.cancel();
            }
            if (STATE.compareAndSet(this, WAITING, DONE)) {
                actual.onNext(permit);
                actual.onComplete();
            } else {
                permit.release(); // the subscriber cancelled while this permit was being taken
            }
        }

        @Override
        public void onError(Throwable t) {
            if (STATE.compareAndSet(this, WAITING, DONE)) {
                actual.onError(t);
            } else {
                Operators.onErrorDropped(t, actual.currentContext());
            }
        }

        /** The drain completes without a permit only when the semaphore was disposed while waiting. */
        @Override
        public void onComplete() {
            if (STATE.compareAndSet(this, WAITING, DONE)) {
                actual.onError(new DisposedException(parent.description));
            }
        }

        @Override
        public void cancel() {
            if (STATE.compareAndSet(this, WAITING, CANCELLED)) {
                Subscription s = upstream;
                if (s != null) {
                    s.cancel();
                }
            }
        }
    }
}
