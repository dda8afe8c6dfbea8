package io.interflux.internal.drain;

import io.interflux.DisposedException;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Operators;

import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The receive half of the one drain: messages of a kernel object as a {@link Flux} that takes a
 * message only for outstanding demand. Every transport's receive is this class with its own
 * {@link MessageSource} and {@link Readiness}: a queue's {@code mq_receive} or {@code msgrcv},
 * frames cut out of a pipe's reads, a ring's records.
 *
 * <p>With no demand nothing is taken: messages stay in the kernel, the object fills, and senders
 * (other processes included) are held back by the kernel. When the source has nothing the drain
 * asks its readiness for one wake-up (an epoll arm, a timer) and returns; nothing waits on a
 * thread. Each pass makes at most {@link WorkBudget#CALLS_PER_PASS} kernel calls and then resumes
 * through the readiness. The stream completes when the source ends (end of file) or when the
 * object's owner disposes it ({@link Lifecycle}), and fails with what the source throws.
 *
 * @param <M> the messages
 */
public final class MessageReceive<M> extends Flux<M> {

    private final String description;
    private final Lifecycle lifecycle;
    private final Supplier<? extends MessageSource<M>> sources;
    private final Function<? super MessageSource<M>, ? extends Readiness> readiness;
    /** Whether the end of a subscription also disposes the lifecycle (a stream read once). */
    private final boolean disposeOnEnd;

    /**
     * Any number of subscriptions may take messages concurrently when the object allows it (a
     * queue gives each message to one of them); an owner that allows one subscriber at a time
     * checks that before subscribing.
     *
     * @param description what the object is, for errors: {@code "POSIX queue /orders"}
     * @param sources     a source per subscription (each has its own receive buffer)
     * @param readiness   a waiting strategy per subscription, given its source (a source that
     *                    waits on its own registration is its own readiness)
     */
    public MessageReceive(String description, Lifecycle lifecycle, Supplier<? extends MessageSource<M>> sources,
                          Function<? super MessageSource<M>, ? extends Readiness> readiness) {
        this(description, lifecycle, sources, readiness, false);
    }

    private MessageReceive(String description, Lifecycle lifecycle, Supplier<? extends MessageSource<M>> sources,
                           Function<? super MessageSource<M>, ? extends Readiness> readiness, boolean disposeOnEnd) {
        this.description = description;
        this.lifecycle = lifecycle;
        this.sources = sources;
        this.readiness = readiness;
        this.disposeOnEnd = disposeOnEnd;
    }

    /**
     * The same receive, for an object read by one stream once (a pipe, a FIFO reader): when the
     * subscription ends (completion, error, cancel) it also disposes the lifecycle, on the drain,
     * before the subscriber hears of the end. Cheaper than a {@code doFinally} after it, which
     * every message would pass through.
     */
    public MessageReceive<M> disposingOnEnd() {
        return new MessageReceive<>(description, lifecycle, sources, readiness, true);
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

    static final class ReceiveSubscription<M> extends DrainLoop implements Subscription, java.util.function.Predicate<M> {
        private final MessageReceive<M> parent;
        private final CoreSubscriber<? super M> actual;
        private final MessageSource<M> source;
        /** The source, when it takes several messages in one step; else {@code null}. */
        private final MessageBatchSource<M> batch;
        private final Readiness readiness;
        private final WorkBudget budget = new WorkBudget();
        /** 0 until the lifecycle answered, 1 joined, -1 refused (already disposed). */
        volatile int joined;
        volatile long requested;
        @SuppressWarnings("rawtypes")
        static final AtomicLongFieldUpdater<ReceiveSubscription> REQUESTED =
                AtomicLongFieldUpdater.newUpdater(ReceiveSubscription.class, "requested");

        @SuppressWarnings("unchecked")
        ReceiveSubscription(MessageReceive<M> parent, CoreSubscriber<? super M> actual) {
            this.parent = parent;
            this.actual = actual;
            this.source = parent.sources.get();
            this.batch = source instanceof MessageBatchSource ? (MessageBatchSource<M>) source : null;
            this.readiness = parent.readiness.apply(source);
            this.readiness.watch(this);
        }

        @Override
        public void request(long n) {
            if (Operators.validate(n)) {
                Operators.addCap(REQUESTED, this, n);
                drain();
            }
        }

        @Override
        void newTurn() {
            budget.reset();
        }

        @Override
        void drainOnce() {
            int j = joined;
            if (j == 0) {
                return; // subscribe() drains again once joined
            }
            if (j < 0) {
                terminated = true;
                source.released();
                if (!cancelled) {
                    actual.onError(new DisposedException(parent.description));
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
                if (batch != null) {
                    int n;
                    try {
                        n = batch.take(budget, r - e, this);
                    } catch (RuntimeException ex) {
                        release();
                        actual.onError(ex);
                        return;
                    }
                    if (n == 0) {
                        if (endedOrWaiting()) {
                            return;
                        }
                        break;
                    }
                    e += n;
                    if (cancelled || ownerClosed) {
                        return; // the pass the canceller left behind releases
                    }
                    continue;
                }
                M m;
                try {
                    m = source.poll(budget);
                } catch (RuntimeException ex) {
                    release();
                    actual.onError(ex);
                    return;
                }
                if (m == null) {
                    if (endedOrWaiting()) {
                        return;
                    }
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
            if (e == r && source.endedWithoutDemand()) {
                release();
                actual.onComplete();
            }
        }

        /**
         * Nothing can be taken now: completes the stream when the source has ended ({@code true}),
         * else asks the readiness for a wake-up, or to resume when the budget ran out.
         */
        private boolean endedOrWaiting() {
            if (source.ended()) {
                release();
                actual.onComplete();
                return true;
            }
            if (budget.exhausted()) {
                readiness.resume(this);
            } else {
                readiness.await(this);
            }
            return false;
        }

        /** A message the batch source took: delivered at once; {@code false} once the subscriber has gone. */
        @Override
        public boolean test(M m) {
            readiness.progressed();
            actual.onNext(m);
            return !cancelled && !ownerClosed;
        }

        private void release() {
            terminated = true;
            readiness.cancel();
            source.released();
            parent.lifecycle.leave(this);
            if (parent.disposeOnEnd) {
                parent.lifecycle.dispose();
            }
        }
    }
}
