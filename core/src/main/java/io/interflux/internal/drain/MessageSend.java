package io.interflux.internal.drain;

import io.interflux.DisposedException;
import io.interflux.MetricsRecorder;
import io.interflux.internal.metrics.Metering;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Exceptions;
import reactor.core.Fuseable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.util.concurrent.Queues;
import reactor.util.context.Context;

import java.util.Queue;
import java.util.concurrent.CancellationException;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The send half of the one drain: messages from a {@link Publisher} put into a kernel object as
 * fast as it takes them and no faster. Every transport's send is this class with its own
 * {@link MessageSink} and {@link Readiness}: a queue's {@code mq_send} or {@code msgsnd}, frames
 * gathered into a pipe's {@code write(2)}, a ring's records.
 *
 * <p>The send requests at most {@code prefetch} messages ahead and replenishes 75% at a time as
 * they go in. When the object is full the message is kept, the drain asks its {@link Readiness}
 * for one wake-up and returns: the publisher is held back, nothing is dropped. Each pass makes
 * at most {@link WorkBudget#CALLS_PER_PASS} kernel calls and then resumes through the readiness.
 * Memory is bounded by {@code prefetch} messages and what the sink holds. Completes when the
 * last message is in the kernel.
 *
 * @param <M> the messages
 */
public final class MessageSend<M> extends Mono<Void> {

    private final String description;
    private final Lifecycle lifecycle;
    private final Publisher<? extends M> messages;
    private final Supplier<? extends MessageSink<M>> sinks;
    private final Function<? super MessageSink<M>, ? extends Readiness> readiness;
    private final int prefetch;
    private final MetricsRecorder metrics;

    /**
     * @param description what the object is, for errors
     * @param sinks     a sink per subscription (each has its own send buffer), or one shared by
     *                  sends that never overlap (a byte stream)
     * @param readiness a waiting strategy per subscription, given its sink
     * @param prefetch  messages requested ahead of what the queue has taken
     */
    public MessageSend(String description, Lifecycle lifecycle, Publisher<? extends M> messages,
                     Supplier<? extends MessageSink<M>> sinks, Function<? super MessageSink<M>, ? extends Readiness> readiness,
                     int prefetch) {
        this(description, lifecycle, messages, sinks, readiness, prefetch, Metering.NONE);
    }

    private MessageSend(String description, Lifecycle lifecycle, Publisher<? extends M> messages,
                        Supplier<? extends MessageSink<M>> sinks,
                        Function<? super MessageSink<M>, ? extends Readiness> readiness, int prefetch,
                        MetricsRecorder metrics) {
        if (prefetch <= 0) {
            throw new IllegalArgumentException("prefetch > 0 required but it was " + prefetch);
        }
        this.description = description;
        this.lifecycle = lifecycle;
        this.messages = java.util.Objects.requireNonNull(messages, "messages");
        this.sinks = sinks;
        this.readiness = readiness;
        this.prefetch = prefetch;
        this.metrics = java.util.Objects.requireNonNull(metrics, "metrics");
    }

    /**
     * The same send, reporting to {@code metrics} the messages it puts in (once per pass) and
     * every wait on a full kernel object. With {@link Metering#NONE} no clock is read.
     */
    public MessageSend<M> metered(MetricsRecorder metrics) {
        return new MessageSend<>(description, lifecycle, messages, sinks, readiness, prefetch, metrics);
    }

    @Override
    public void subscribe(CoreSubscriber<? super Void> actual) {
        SendSubscriber<M> s = new SendSubscriber<>(this, actual);
        if (!lifecycle.join(s)) {
            Operators.error(actual, new DisposedException(description));
            return;
        }
        messages.subscribe(s);
    }

    static final class SendSubscriber<M> extends DrainLoop implements CoreSubscriber<M>, Subscription {
        private final MessageSend<M> parent;
        private final CoreSubscriber<? super Void> actual;
        private final MessageSink<M> sink;
        private final Readiness readiness;
        private final WorkBudget budget = new WorkBudget();
        private Queue<M> queue;
        /** The upstream is a synchronous source fused into this drain: its queue is polled directly. */
        private boolean fused;
        private final int limit;
        private volatile Subscription upstream;
        private M pending;
        private int consumed;
        /** The send ends before its publisher did (cancel, failure, dispose). */
        private boolean early;
        private final MetricsRecorder metrics;
        private final boolean metered;
        /** Messages put in and not yet reported. */
        private int unreported;
        /** When the kernel object was found full, while the send waits for room and metrics are on; else 0. */
        private long stalledSince;

        volatile boolean done;
        Throwable error;

        SendSubscriber(MessageSend<M> parent, CoreSubscriber<? super Void> actual) {
            this.parent = parent;
            this.actual = actual;
            this.sink = parent.sinks.get();
            this.readiness = parent.readiness.apply(sink);
            this.readiness.watch(this);
            this.queue = Queues.<M>get(parent.prefetch).get();
            this.limit = parent.prefetch - (parent.prefetch >> 2);
            this.metrics = parent.metrics;
            this.metered = metrics != Metering.NONE;
        }

        @Override
        public Context currentContext() {
            return actual.currentContext();
        }

        @Override
        @SuppressWarnings("unchecked")
        public void onSubscribe(Subscription s) {
            if (Operators.validate(upstream, s)) {
                // a synchronous source (Flux.range(..).map(..), fromIterable) is pulled from in
                // the drain, one poll per message, with no onNext, queue hand-over or demand
                // accounting on the way: the per-message path of a busy sender
                if (s instanceof Fuseable.QueueSubscription
                        && ((Fuseable.QueueSubscription<M>) s).requestFusion(Fuseable.SYNC) == Fuseable.SYNC) {
                    queue = (Fuseable.QueueSubscription<M>) s;
                    fused = true;
                    done = true; // the source is complete once its queue is empty
                    upstream = s;
                    actual.onSubscribe(this);
                    drain();
                    return;
                }
                upstream = s;
                actual.onSubscribe(this);
                s.request(parent.prefetch);
                drain(); // a dispose or cancel that came before the upstream subscription
            }
        }

        @Override
        public void onNext(M message) {
            java.util.Objects.requireNonNull(message, "onNext(null): a publisher may not emit null (Reactive Streams 2.13)");
            if (done) {
                Operators.onNextDropped(message, actual.currentContext());
                return;
            }
            if (!queue.offer(message)) {
                error = Operators.onOperatorError(upstream, Exceptions.failWithOverflow(), message,
                        actual.currentContext());
                done = true;
            }
            drain();
        }

        @Override
        public void onError(Throwable t) {
            java.util.Objects.requireNonNull(t, "onError(null): a publisher may not signal a null error (Reactive Streams 2.13)");
            if (done) {
                Operators.onErrorDropped(t, actual.currentContext());
                return;
            }
            error = t;
            done = true;
            drain();
        }

        @Override
        public void onComplete() {
            if (done) {
                return;
            }
            done = true;
            drain();
        }

        /** A {@code Mono<Void>} needs no demand; the messages' demand is ours to manage. */
        @Override
        public void request(long n) {
        }

        @Override
        void newTurn() {
            budget.reset();
        }

        @Override
        void afterPass() {
            if (unreported != 0) {
                metrics.messagesSent(unreported);
                unreported = 0;
            }
        }

        /** The kernel took something after a wait on a full object: the stall is over. */
        private void unstalled() {
            metrics.sendStalled(System.nanoTime() - stalledSince);
            stalledSince = 0;
        }

        @Override
        void drainOnce() {
            if (upstream == null) {
                return; // onSubscribe drains again
            }
            for (;;) {
                if (cancelled) {
                    upstream.cancel();
                    abandon();
                    return;
                }
                if (ownerClosed) {
                    upstream.cancel();
                    abandon();
                    actual.onError(new CancellationException(parent.description
                            + " was disposed while a send was in progress"));
                    return;
                }
                boolean d = done;
                M m = pending;
                if (m == null) {
                    try {
                        m = queue.poll();
                    } catch (RuntimeException ex) {
                        // a fused source failed (a map function threw): as for onError, what was
                        // taken before it is written out, then the send fails
                        error = ex;
                        queue = Queues.<M>empty().get();
                        continue;
                    }
                    if (m == null) {
                        boolean flushed;
                        try {
                            flushed = sink.flush(budget);
                        } catch (RuntimeException ex) {
                            fail(ex);
                            return;
                        }
                        if (!flushed) {
                            waitOrResume();
                            return;
                        }
                        if (stalledSince != 0) {
                            unstalled();
                        }
                        if (d) {
                            finish();
                            Throwable e = error;
                            if (e != null) {
                                actual.onError(e);
                            } else {
                                actual.onComplete();
                            }
                        }
                        return;
                    }
                    if (!fused && ++consumed == limit) {
                        consumed = 0;
                        upstream.request(limit);
                    }
                }
                boolean in;
                try {
                    in = sink.offer(m, budget);
                } catch (RuntimeException ex) {
                    fail(ex);
                    return;
                }
                if (!in) {
                    pending = m;
                    waitOrResume();
                    return;
                }
                pending = null;
                unreported++;
                if (stalledSince != 0) {
                    unstalled();
                }
                readiness.progressed();
            }
        }

        private void waitOrResume() {
            if (budget.exhausted()) {
                readiness.resume(this);
            } else {
                if (metered && stalledSince == 0) {
                    stalledSince = System.nanoTime(); // not a spent budget: the object is full
                }
                readiness.await(this);
            }
        }

        private void fail(RuntimeException ex) {
            upstream.cancel();
            abandon();
            if (!cancelled) {
                actual.onError(ex);
            }
        }

        /** Ends early: the sink keeps what it must to finish a message half in the kernel. */
        private void abandon() {
            early = true;
            finish();
        }

        private void finish() {
            if (stalledSince != 0) {
                unstalled(); // the wait ends with the send
            }
            afterPass(); // the counts, before the subscriber hears of the end
            // the readiness first: a sink shared by successive sends lets the next one in on
            // released(), and the next one's watch() must not be undone by this one's cancel()
            readiness.cancel();
            sink.released(early);
            terminated = true;
            pending = null;
            queue.clear();
            parent.lifecycle.leave(this);
        }
    }
}
