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
    private Payload first;
    private final boolean completeAfterFirst;
    private CoreSubscriber<? super Payload> actual;
    private volatile long pending;
    private volatile long demanded;
    private volatile boolean cancelled;
    private volatile boolean done;
    /** Guarded by this. */
    private boolean terminated;
    private long received;
    // poll-only state
    private boolean cancelSent;
    private boolean unbounded;
    private long granted;

    ChannelInbound(ResponderCall call, Payload first, boolean completeAfterFirst) {
        this.call = call;
        this.first = first;
        this.completeAfterFirst = completeAfterFirst;
        this.received = 1;
    }

    @Override
    public void subscribe(CoreSubscriber<? super Payload> s) {
        synchronized (this) {
            if (actual != null) {
                Operators.error(s, new IllegalStateException("a channel's inbound has one subscriber"));
                return;
            }
            actual = s;
        }
        s.onSubscribe(this);
    }

    @Override
    public void request(long n) {
        if (!Operators.validate(n) || cancelled) {
            return;
        }
        long before = Operators.addCap(DEMANDED, this, n) ;
        Payload p;
        synchronized (this) {
            p = first;
            first = null;
            if (p != null && !terminated) {
                actual.onNext(p);
                if (completeAfterFirst) {
                    terminated = true;
                    done = true;
                    actual.onComplete();
                }
            }
        }
        long credit = p != null ? n - 1 : n;
        if (p != null && completeAfterFirst) {
            call.inboundDone();
            return;
        }
        if (credit > 0) {
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
        long n = PENDING.getAndSet(this, 0);
        granted = Operators.addCap(granted, n);
        if (granted >= Frames.MAX_REQUEST_N) {
            unbounded = true;
            return Frames.requestN(id, Frames.MAX_REQUEST_N);
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
            synchronized (this) {
                done = true;
                if (!terminated) {
                    terminated = true;
                    if (!cancelled && actual != null) {
                        actual.onComplete();
                    }
                }
            }
            call.inboundDone();
        }
    }

    void fail(Throwable e) {
        synchronized (this) {
            done = true;
            if (terminated) {
                return;
            }
            terminated = true;
            if (cancelled || actual == null) {
                return;
            }
            actual.onError(e);
        }
    }
}
