package io.interflux.mqueue.internal;

import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Operators;

import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import java.util.function.Supplier;

/**
 * Messages of a kernel queue as a {@link Flux} that takes a message out of the queue only for
 * outstanding demand, the message-oriented sibling of core's {@code FdReader}.
 *
 * <p>With no demand nothing is taken: messages stay in the kernel, the queue fills, and senders
 * (other processes included) are held back by the kernel. When the queue is empty the drain asks
 * its {@link Readiness} for one wake-up (an epoll arm, a timer) and returns; nothing waits on a
 * thread. The subscription ends, without error, when the queue's owner disposes it.
 */
public final class QueueReceive<M> extends Flux<M> {

    private final String description;
    private final Lifecycle lifecycle;
    private final Supplier<? extends MessageSource<M>> sources;
    private final Supplier<? extends Readiness> readiness;

    /**
     * Any number of subscriptions may take messages concurrently; the kernel gives each message
     * to one of them.
     *
     * @param sources   a source per subscription (each has its own receive buffer)
     * @param readiness a waiting strategy per subscription
     */
    public QueueReceive(String description, Lifecycle lifecycle, Supplier<? extends MessageSource<M>> sources,
                        Supplier<? extends Readiness> readiness) {
        this.description = description;
        this.lifecycle = lifecycle;
        this.sources = sources;
        this.readiness = readiness;
    }

    @Override
    public void subscribe(CoreSubscriber<? super M> actual) {
        ReceiveSubscription<M> s = new ReceiveSubscription<>(this, actual);
        actual.onSubscribe(s);
        // joined only now: a request made inside onSubscribe waits for it, so no kernel call is
        // made on a handle that might already be released
        s.joined = lifecycle.join(s) ? 1 : -1;
        s.drain();
    }

    static final class ReceiveSubscription<M> implements Subscription, Lifecycle.Member, Runnable {
        private final QueueReceive<M> parent;
        private final CoreSubscriber<? super M> actual;
        private final MessageSource<M> source;
        private final Readiness readiness;
        private boolean terminated;

        volatile boolean cancelled;
        volatile boolean ownerClosed;
        /** 0 until the lifecycle answered, 1 joined, -1 refused (already disposed). */
        volatile int joined;
        volatile long requested;
        static final AtomicLongFieldUpdater<ReceiveSubscription> REQUESTED =
                AtomicLongFieldUpdater.newUpdater(ReceiveSubscription.class, "requested");
        volatile int wip;
        static final AtomicIntegerFieldUpdater<ReceiveSubscription> WIP =
                AtomicIntegerFieldUpdater.newUpdater(ReceiveSubscription.class, "wip");

        ReceiveSubscription(QueueReceive<M> parent, CoreSubscriber<? super M> actual) {
            this.parent = parent;
            this.actual = actual;
            this.source = parent.sources.get();
            this.readiness = parent.readiness.get();
        }

        @Override
        public void request(long n) {
            if (Operators.validate(n)) {
                Operators.addCap(REQUESTED, this, n);
                drain();
            }
        }

        @Override
        public void cancel() {
            cancelled = true;
            drain();
        }

        @Override
        public void ownerClosed() {
            ownerClosed = true;
            drain();
        }

        /** A wake-up from the readiness: the queue may have a message. */
        @Override
        public void run() {
            drain();
        }

        /*
         * Serialised by wip: whoever wins (a requester, the loop or timer after a wake-up, a
         * canceller, the owner's dispose) takes messages and emits; the others leave a missed
         * count behind and the winner goes round again. Every kernel call is non-blocking, so
         * draining on a requester's thread is safe and saves a hop.
         */
        void drain() {
            if (WIP.getAndIncrement(this) != 0) {
                return;
            }
            int missed = 1;
            for (;;) {
                if (!terminated) {
                    drainOnce();
                }
                missed = WIP.addAndGet(this, -missed);
                if (missed == 0) {
                    return;
                }
            }
        }

        private void drainOnce() {
            int j = joined;
            if (j == 0) {
                return; // subscribe() drains again once joined
            }
            if (j < 0) {
                terminated = true;
                if (!cancelled) {
                    actual.onError(new IllegalStateException(parent.description + " is disposed"));
                }
                return;
            }
            if (cancelled) {
                release();
                return;
            }
            if (ownerClosed) {
                release();
                actual.onComplete();
                return;
            }
            long r = requested;
            long e = 0;
            while (e != r) {
                M m;
                try {
                    m = source.poll();
                } catch (RuntimeException ex) {
                    release();
                    actual.onError(ex);
                    return;
                }
                if (m == null) {
                    readiness.await(this);
                    break;
                }
                readiness.progressed();
                actual.onNext(m);
                e++;
                if (cancelled || ownerClosed) {
                    return; // the pass the canceller left behind releases
                }
            }
            if (e != 0 && r != Long.MAX_VALUE) {
                REQUESTED.addAndGet(this, -e);
            }
        }

        private void release() {
            terminated = true;
            readiness.cancel();
            parent.lifecycle.leave(this);
        }
    }
}
