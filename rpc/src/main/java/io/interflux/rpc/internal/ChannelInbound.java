package io.interflux.rpc.internal;

import io.interflux.rpc.Payload;
import io.interflux.rpc.RpcException;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Operators;

import java.util.concurrent.atomic.AtomicLongFieldUpdater;

/**
 * The caller's payloads of a channel, as the answering handler sees them: first the payload that
 * came in REQUEST_CHANNEL, then each PAYLOAD. The handler's demand goes back to the caller as
 * request-n (the first payload counts against the first request), so the caller sends no more
 * than the handler asked for. Signals are delivered under this object's monitor, for the same
 * reason as {@link RequesterCall}'s.
 */
final class ChannelInbound extends Flux<Payload> implements Subscription {

    private static final AtomicLongFieldUpdater<ChannelInbound> PENDING =
            AtomicLongFieldUpdater.newUpdater(ChannelInbound.class, "pending");
    private static final AtomicLongFieldUpdater<ChannelInbound> DEMANDED =
            AtomicLongFieldUpdater.newUpdater(ChannelInbound.class, "demanded");

    private final ResponderCall call;
    /** Guarded by this: the payload of REQUEST_CHANNEL, until the subscriber's first request takes it. */
    private Payload first;
    /** Guarded by this. */
    private CoreSubscriber<? super Payload> actual;
    /** Guarded by this: the subscriber has heard its end. */
    private boolean terminated;
    /** Guarded by this: why the caller's side failed, kept until the subscriber can hear it. */
    private Throwable error;
    /** The caller completed its side; the subscriber hears it once it has the first payload. */
    private volatile boolean completed;
    private volatile long pending;
    private volatile long demanded;
    private volatile boolean cancelled;
    /** The caller's side is over (completed, failed, or the CANCEL sent), whether or not the subscriber heard it yet. */
    private volatile boolean done;
    private long received;
    // poll-only state
    private boolean cancelSent;
    private boolean unbounded;

    ChannelInbound(ResponderCall call, Payload first, boolean completeAfterFirst) {
        this.call = call;
        this.first = first;
        this.completed = completeAfterFirst;
        this.done = completeAfterFirst;
        this.received = 1;
    }

    @Override
    public void subscribe(CoreSubscriber<? super Payload> s) {
        // under the monitor, so the caller's end cannot reach the subscriber before onSubscribe
        synchronized (this) {
            if (actual != null) {
                Operators.error(s, new IllegalStateException("a channel's inbound has one subscriber"));
                return;
            }
            actual = s;
            s.onSubscribe(this);
            signalEnd(); // the caller's side may have failed before the handler subscribed
        }
    }

    @Override
    public void request(long n) {
        if (!Operators.validate(n) || cancelled) {
            return;
        }
        Operators.addCap(DEMANDED, this, n);
        boolean tookFirst;
        synchronized (this) {
            Payload p = first;
            first = null;
            tookFirst = p != null;
            if (p != null && !terminated) {
                actual.onNext(p);
            }
            signalEnd(); // a completion that came before the first payload was taken
        }
        long credit = tookFirst ? n - 1 : n;
        if (credit > 0 && !done) {
            Operators.addCap(PENDING, this, credit);
            call.schedule();
        }
    }

    @Override
    public void cancel() {
        if (!cancelled) {
            cancelled = true;
            call.schedule(); // a CANCEL tells the caller to stop its stream
        }
    }

    /** The caller's side is over: the call may end once its answer has. */
    boolean isDone() {
        return done || cancelled;
    }

    /** REQUEST_N for the handler's demand, or a CANCEL; {@code null} when none is due. */
    byte[] pollControl(int id) {
        if (done) {
            return null;
        }
        if (cancelled) {
            if (!cancelSent) {
                cancelSent = true;
                done = true;
                call.inboundDone();
                return Frames.cancel(id);
            }
            return null;
        }
        if (unbounded || pending == 0) {
            return null;
        }
        // as RequesterCall's credit: 2^31-1 (unbounded) only for unbounded demand
        long n = PENDING.getAndSet(this, 0);
        if (n == Long.MAX_VALUE || demanded == Long.MAX_VALUE) {
            unbounded = true;
            return Frames.requestN(id, Frames.MAX_REQUEST_N);
        }
        if (n >= Frames.MAX_REQUEST_N) {
            Operators.addCap(PENDING, this, n - (Frames.MAX_REQUEST_N - 1));
            return Frames.requestN(id, Frames.MAX_REQUEST_N - 1);
        }
        return Frames.requestN(id, (int) n);
    }

    /** A PAYLOAD frame from the caller; on the inbound thread. */
    void onPayload(Frame f) {
        if (f.has(Frames.FLAG_NEXT)) {
            if (++received > demanded) {
                fail(new RpcException(RpcException.CONNECTION_ERROR, "overflow",
                        "the caller of a channel sent more payloads than were requested", null));
                cancel();
                return;
            }
            synchronized (this) {
                if (!terminated && !cancelled) {
                    actual.onNext(Payload.of(f.data, f.metadata));
                }
            }
        }
        if (f.has(Frames.FLAG_COMPLETE)) {
            completed = true;
            done = true;
            synchronized (this) {
                signalEnd();
            }
            call.inboundDone();
        }
    }

    void fail(Throwable e) {
        synchronized (this) {
            done = true;
            if (terminated || error != null) {
                return;
            }
            error = e;
            signalEnd();
        }
    }

    /**
     * Tells the subscriber how the caller's side ended, once it can hear it: an error at once, the
     * completion after the first payload. Holding this.
     */
    private void signalEnd() {
        if (terminated || actual == null) {
            return;
        }
        if (error != null) {
            terminated = true;
            first = null;
            if (!cancelled) {
                actual.onError(error);
            }
        } else if (completed && first == null) {
            terminated = true;
            if (!cancelled) {
                actual.onComplete();
            }
        }
    }
}
