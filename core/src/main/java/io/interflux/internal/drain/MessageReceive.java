package io.interflux.internal.drain;

import io.interflux.DisposedException;
import io.interflux.MetricsRecorder;
import io.interflux.internal.metrics.Metering;
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
    private final MetricsRecorder metrics;

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
        this(description, lifecycle, sources, readiness, false, Metering.NONE);
    }

    private MessageReceive(String description, Lifecycle lifecycle, Supplier<? extends MessageSource<M>> sources,
                           Function<? super MessageSource<M>, ? extends Readiness> readiness, boolean disposeOnEnd,
                           MetricsRecorder metrics) {
        this.description = description;
        this.lifecycle = lifecycle;
        this.sources = sources;
        this.readiness = readiness;
        this.disposeOnEnd = disposeOnEnd;
        this.metrics = metrics;
    }

    /**
     * The same receive, for an object read by one stream once (a pipe, a FIFO reader): when the
     * subscription ends (completion, error, cancel) it also disposes the lifecycle, on the drain,
     * before the subscriber hears of the end. Cheaper than a {@code doFinally} after it, which
     * every message would pass through.
     */
    public MessageReceive<M> disposingOnEnd() {
        return new MessageReceive<>(description, lifecycle, sources, readiness, true, metrics);
    }

    /**
     * The same receive, reporting to {@code metrics} the messages it delivers (once per pass) and
     * every period it has no demand. With {@link Metering#NONE} no clock is read.
     */
    public MessageReceive<M> metered(MetricsRecorder metrics) {
        return new MessageReceive<>(description, lifecycle, sources, readiness, disposeOnEnd,
                java.util.Objects.requireNonNull(metrics, "metrics"));
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
        private final MetricsRecorder metrics;
        private final boolean metered;
        /** Messages delivered and not yet reported. */
        private int unreported;
        /** When demand last ran out, while it is out and metrics are on; else 0. */
        private long noDemandSince;
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
            this.metrics = parent.metrics;
            this.metered = metrics != Metering.NONE;
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
        void afterPass() {
            if (unreported != 0) {
                metrics.messagesReceived(unreported);
                unreported = 0;
            }
        }

        /** Starts or ends a period without demand, by what {@code requested} is now. */
        private void watchDemand(long r) {
            if (r == 0) {
                if (noDemandSince == 0) {
                    noDemandSince = System.nanoTime();
                }
            } else if (noDemandSince != 0) {
                metrics.noDemand(System.nanoTime() - noDemandSince);
                noDemandSince = 0;
            }
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
            if (metered) {
                watchDemand(r);
            }
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
                unreported++;
                actual.onNext(m);
                e++;
                if (cancelled || ownerClosed) {
                    return; // the pass the canceller left behind releases
                }
            }
            if (e != 0 && r != Long.MAX_VALUE && REQUESTED.addAndGet(this, -e) == 0 && metered) {
                watchDemand(0);
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
            unreported++; // here, not from take()'s count: a take that throws after some still counts them
            actual.onNext(m);
            return !cancelled && !ownerClosed;
        }

        private void release() {
            if (noDemandSince != 0) {
                watchDemand(1); // the period ends with the stream
            }
            afterPass(); // the counts, before the subscriber hears of the end
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
