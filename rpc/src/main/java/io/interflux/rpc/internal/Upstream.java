package io.interflux.rpc.internal;

import io.interflux.rpc.Payload;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Exceptions;
import reactor.core.publisher.Operators;
import reactor.util.concurrent.Queues;

import java.util.Queue;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;

/**
 * The payloads one side of a stream sends (a handler's answer, a channel caller's stream), taken
 * from their publisher under two limits at once: the credit the remote subscriber granted
 * (request-n), and a window of payloads not yet written to the transport. So a slow remote
 * subscriber and a full connection both hold the publisher back, and at most {@code window}
 * payloads wait here.
 */
final class Upstream implements CoreSubscriber<Payload> {

    private static final AtomicIntegerFieldUpdater<Upstream> WIP =
            AtomicIntegerFieldUpdater.newUpdater(Upstream.class, "wip");
    private static final AtomicLongFieldUpdater<Upstream> CREDIT =
            AtomicLongFieldUpdater.newUpdater(Upstream.class, "credit");

    private final int window;
    private final Queue<Payload> queue;
    private final Runnable onSignal;
    private final AtomicLong taken = new AtomicLong();
    private volatile Subscription subscription;
    private volatile int wip;
    /** Granted by the remote and not yet requested from the publisher; {@code Long.MAX_VALUE} is unbounded. */
    private volatile long credit;
    /** Only the request loop writes it. */
    private long requested;
    private volatile boolean done;
    private Throwable error;
    private volatile boolean cancelled;

    /** @param onSignal run after each payload and the end: the owner schedules itself for sending */
    Upstream(int window, Runnable onSignal) {
        this.window = window;
        this.queue = Queues.<Payload>get(window).get();
        this.onSignal = onSignal;
    }

    /** More credit from the remote: {@code n} payloads, {@code Long.MAX_VALUE} for unbounded. */
    void grant(long n) {
        Operators.addCap(CREDIT, this, n);
        requestMore();
    }

    /** The next payload to send, or {@code null}; taking one makes room for another. */
    Payload poll() {
        Payload p = queue.poll();
        if (p != null) {
            taken.incrementAndGet();
            requestMore();
        }
        return p;
    }

    /** True once the publisher ended and everything it sent was taken. Read before {@link #poll()}'s null to be safe. */
    boolean isDone() {
        return done;
    }

    boolean isEmpty() {
        return queue.isEmpty();
    }

    /** The publisher's error, once {@link #isDone()}; {@code null} when it completed. */
    Throwable error() {
        return error;
    }

    void cancel() {
        cancelled = true;
        Subscription s = subscription;
        if (s != null) {
            s.cancel();
        }
        // the queue is left as it is: only the drain may poll it, and nobody polls a canceled one
    }

    @Override
    public void onSubscribe(Subscription s) {
        if (Operators.validate(subscription, s)) {
            subscription = s;
            if (cancelled) {
                s.cancel();
                return;
            }
            requestMore();
        }
    }

    @Override
    public void onNext(Payload payload) {
        if (done || cancelled) {
            Operators.onNextDropped(payload, currentContext());
            return;
        }
        if (!queue.offer(payload)) { // more than requested: the publisher broke its contract
            subscription.cancel();
            onError(Exceptions.failWithOverflow("the publisher sent more payloads than were requested"));
            return;
        }
        onSignal.run();
    }

    @Override
    public void onError(Throwable t) {
        if (done) {
            Operators.onErrorDropped(t, currentContext());
            return;
        }
        error = t;
        done = true;
        onSignal.run();
    }

    @Override
    public void onComplete() {
        if (!done) {
            done = true;
            onSignal.run();
        }
    }

    private void requestMore() {
        if (WIP.getAndIncrement(this) != 0) {
            return;
        }
        int missed = 1;
        do {
            Subscription s = subscription;
            if (s != null && !cancelled && !done) {
                long room = window - (requested - taken.get());
                long c = credit;
                long n = Math.min(room, c);
                if (n > 0) {
                    if (c != Long.MAX_VALUE) {
                        CREDIT.addAndGet(this, -n);
                    }
                    requested += n;
                    s.request(n);
                }
            }
            missed = WIP.addAndGet(this, -missed);
        } while (missed != 0);
    }
}
