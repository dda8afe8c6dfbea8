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
 * One permit as a {@link Mono}: core's receive drain over a source whose "message" is a permit
 * taken without blocking ({@code semop} with {@code IPC_NOWAIT}, {@code sem_trywait}), waiting on a
 * readiness (a timer backoff) while none is free, and a hand-off that makes sure a permit taken
 * just as the subscriber cancelled is given back rather than lost.
 */
final class PermitAcquire extends Mono<Permit> {

    /** A permit taken now, or {@code null} when none is free. Throws when the semaphore is gone. */
    interface Taker {
        Permit tryTake();
    }

    private final String description;
    private final MessageReceive<Permit> permits;

    PermitAcquire(String description, Lifecycle lifecycle, Taker taker, Supplier<? extends Readiness> readiness) {
        this.description = description;
        this.permits = new MessageReceive<>(description, lifecycle, () -> new Source(taker), s -> readiness.get());
    }

    @Override
    public void subscribe(CoreSubscriber<? super Permit> actual) {
        permits.subscribe(new HandOff(actual, description));
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
     * Between the drain and the subscriber: asks for one permit, delivers it unless the
     * subscriber has cancelled, and otherwise releases it. The state decides, once, whether the
     * permit or the cancel came first.
     */
    static final class HandOff implements CoreSubscriber<Permit>, Subscription {
        private static final int WAITING = 0;
        private static final int DONE = 1;
        private static final int CANCELLED = 2;

        private final CoreSubscriber<? super Permit> actual;
        private final String description;
        private Subscription upstream;
        private volatile int state;
        private static final AtomicIntegerFieldUpdater<HandOff> STATE =
                AtomicIntegerFieldUpdater.newUpdater(HandOff.class, "state");
        private volatile int requested;
        private static final AtomicIntegerFieldUpdater<HandOff> REQUESTED =
                AtomicIntegerFieldUpdater.newUpdater(HandOff.class, "requested");

        HandOff(CoreSubscriber<? super Permit> actual, String description) {
            this.actual = actual;
            this.description = description;
        }

        @Override
        public reactor.util.context.Context currentContext() {
            return actual.currentContext();
        }

        @Override
        public void onSubscribe(Subscription s) {
            if (Operators.validate(upstream, s)) {
                upstream = s;
                actual.onSubscribe(this);
            }
        }

        @Override
        public void request(long n) {
            if (Operators.validate(n) && REQUESTED.compareAndSet(this, 0, 1)) {
                upstream.request(1);
            }
        }

        @Override
        public void onNext(Permit permit) {
            upstream.cancel();
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

        /** The receive completes without a permit only when the semaphore was disposed while waiting. */
        @Override
        public void onComplete() {
            if (STATE.compareAndSet(this, WAITING, DONE)) {
                actual.onError(new DisposedException(description));
            }
        }

        @Override
        public void cancel() {
            if (STATE.compareAndSet(this, WAITING, CANCELLED)) {
                upstream.cancel();
            }
        }
    }
}
