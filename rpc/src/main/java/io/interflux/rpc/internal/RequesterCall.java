package io.interflux.rpc.internal;

import io.interflux.FrameTooLargeException;
import io.interflux.rpc.Payload;
import io.interflux.rpc.RpcException;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;

import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;

/**
 * A call this side makes: request/response, request/stream or channel. Nothing is sent before
 * the subscriber's first request; that request's amount is the initial request-n, and each later
 * request becomes a REQUEST_N (several made before one is written go out as one). So the remote
 * handler never produces more than the subscriber asked for, and every payload that arrives
 * finds demand waiting.
 *
 * <p>A channel also sends: the first payload of its publisher travels in the REQUEST_CHANNEL
 * frame, the rest as the responder's request-n grants, through an {@link Upstream}.
 *
 * <p>Signals to the subscriber are delivered under this call's monitor: payloads come on the
 * inbound thread, but the end of the connection may come from a timer or a dispose, and the
 * subscriber must never see two signals at once. The monitor is never held across a send.
 */
final class RequesterCall extends Stream implements Subscription, Publisher<Payload> {

    private static final AtomicLongFieldUpdater<RequesterCall> PENDING =
            AtomicLongFieldUpdater.newUpdater(RequesterCall.class, "pending");
    private static final AtomicLongFieldUpdater<RequesterCall> DEMANDED =
            AtomicLongFieldUpdater.newUpdater(RequesterCall.class, "demanded");
    private static final AtomicIntegerFieldUpdater<RequesterCall> STARTED =
            AtomicIntegerFieldUpdater.newUpdater(RequesterCall.class, "started");

    private final int type;
    private final String route;
    private final Payload payload;
    private final Publisher<Payload> outgoing;
    private final Upstream up;
    private CoreSubscriber<? super Payload> actual;
    /** Demand not yet sent as request-n. */
    private volatile long pending;
    /** All the subscriber ever requested: the remote may send no more. */
    private volatile long demanded;
    private volatile int started;
    private volatile boolean cancelled;
    /** Guarded by this: the subscriber has heard its end. */
    private boolean terminated;
    /** Inbound thread only. */
    private long received;
    // poll-only state
    private boolean requestSent;
    private boolean cancelSent;
    private boolean unboundedSent;
    /** Our side of a channel has ended; written by the drain and by a CANCEL from the responder, read by both. */
    private volatile boolean outDone;
    private volatile boolean remoteDone;

    RequesterCall(Session session, int type, String route, Payload payload, Publisher<Payload> outgoing) {
        super(session);
        this.type = type;
        this.route = route;
        this.payload = payload;
        this.outgoing = outgoing;
        this.up = outgoing == null ? null : new Upstream(session.settings.window, this::schedule);
    }

    /** Fails at once when {@code payload} cannot travel in one frame with its route. */
    static Mono<Void> check(Session session, String route, Payload payload, int fields) {
        return Mono.defer(() -> {
            int size = Frames.size(fields, RoutingMetadata.compositeLength(route, payload.hasMetadata() ? payload.metadata() : null),
                    payload.data().length);
            return size > session.maxFrameSize()
                    ? Mono.error(new FrameTooLargeException("RPC request frame", session.name(), session.maxFrameSize(), size))
                    : Mono.empty();
        });
    }

    @Override
    public void subscribe(org.reactivestreams.Subscriber<? super Payload> s) {
        CoreSubscriber<? super Payload> a = Operators.toCoreSubscriber(s);
        if (actual != null) {
            Operators.error(a, new IllegalStateException("a call has one subscriber"));
            return;
        }
        actual = a;
        if (session.isClosed()) {
            Operators.error(a, session.closedError());
            return;
        }
        a.onSubscribe(this);
    }

    // ---- the subscriber's side

    @Override
    public void request(long n) {
        if (!Operators.validate(n) || cancelled) {
            return;
        }
        Operators.addCap(DEMANDED, this, n);
        Operators.addCap(PENDING, this, n);
        if (STARTED.compareAndSet(this, 0, 1)) {
            if (session.register(this) < 0) {
                fail(session.closedError());
                return;
            }
            if (up != null) {
                up.grant(1); // the first payload rides in REQUEST_CHANNEL
                outgoing.subscribe(up);
            }
        }
        schedule();
    }

    @Override
    public void cancel() {
        if (cancelled) {
            return;
        }
        cancelled = true;
        if (up != null) {
            up.cancel();
        }
        if (started == 1) {
            schedule(); // a CANCEL, if the request went out; the stream is removed once it has
        }
    }

    // ---- frames out

    @Override
    byte[] poll() {
        if (cancelled) {
            session.remove(this);
            // a CANCEL unless both directions had already ended: a channel whose answer completed
            // is still open our way, and the responder waits for its end (as rsocket-java does)
            if (requestSent && !cancelSent && !(remoteDone && (up == null || outDone))) {
                cancelSent = true;
                return Frames.cancel(id);
            }
            return null;
        }
        if (!requestSent) {
            return requestFrame();
        }
        if (remoteDone && (up == null || outDone)) {
            return null;
        }
        if (!unboundedSent && !remoteDone && pending > 0) {
            return Frames.requestN(id, credit(PENDING.getAndSet(this, 0)));
        }
        if (up != null && !outDone) {
            return outgoingFrame();
        }
        return null;
    }

    private byte[] requestFrame() {
        if (type != Frames.REQUEST_CHANNEL) {
            byte[] metadata = RoutingMetadata.composite(route, payload.hasMetadata() ? payload.metadata() : null);
            requestSent = true;
            if (type == Frames.REQUEST_RESPONSE) {
                unboundedSent = true; // a request/response carries no request-n
                PENDING.set(this, 0);
            }
            return type == Frames.REQUEST_RESPONSE
                    ? Frames.request(id, type, metadata, payload.data())
                    : Frames.request(id, type, credit(PENDING.getAndSet(this, 0)), false, metadata, payload.data());
        }
        boolean done = up.isDone();
        Payload first = up.poll();
        if (first == null) {
            if (done) { // nothing to open the channel with: it ends before it began, or fails as its publisher did
                session.remove(this);
                if (up.error() != null) {
                    fail(up.error());
                } else {
                    complete();
                }
            }
            return null;
        }
        byte[] firstMetadata = RoutingMetadata.composite(route, first.hasMetadata() ? first.metadata() : null);
        if (Frames.size(4, firstMetadata, first.data()) > session.maxFrameSize()) {
            session.remove(this);
            up.cancel();
            fail(new FrameTooLargeException("RPC request frame", session.name(), session.maxFrameSize(),
                    Frames.size(4, firstMetadata, first.data())));
            return null;
        }
        requestSent = true;
        boolean complete = up.isDone() && up.isEmpty() && up.error() == null;
        outDone = complete;
        return Frames.request(id, type, credit(PENDING.getAndSet(this, 0)), complete, firstMetadata, first.data());
    }

    private byte[] outgoingFrame() {
        boolean done = up.isDone();
        Payload p = up.poll();
        if (p != null) {
            byte[] metadata = p.hasMetadata() ? p.metadata() : null;
            if (Frames.size(0, metadata, p.data()) > session.maxFrameSize()) {
                outDone = true;
                up.cancel();
                FrameTooLargeException e = new FrameTooLargeException("RPC payload frame", session.name(),
                        session.maxFrameSize(), Frames.size(0, metadata, p.data()));
                session.remove(this);
                fail(e);
                return Frames.error(id, RpcException.APPLICATION_ERROR, e.getMessage());
            }
            return Frames.next(id, metadata, p.data(), false);
        }
        if (done) {
            outDone = true;
            Throwable error = up.error();
            if (error != null) { // an ERROR ends the whole channel, both ways
                session.remove(this);
                fail(error);
                return Frames.error(id, RpcException.APPLICATION_ERROR, String.valueOf(error.getMessage()));
            }
            if (remoteDone) {
                session.remove(this);
            }
            return Frames.complete(id);
        }
        return null;
    }

    /**
     * Demand as one request-n. 2^31-1 means unbounded, so it is sent only for unbounded demand
     * ({@code Long.MAX_VALUE}), after which none is sent; request-n adds up, so demand that merely
     * adds up past 2^31-1 stays bounded, and a bounded amount too large for one frame goes out in
     * several (the rest stays pending, and the outbound polls this call again after a frame).
     */
    private int credit(long n) {
        if (n == Long.MAX_VALUE || demanded == Long.MAX_VALUE) {
            unboundedSent = true;
            return Frames.MAX_REQUEST_N;
        }
        if (n >= Frames.MAX_REQUEST_N) {
            Operators.addCap(PENDING, this, n - (Frames.MAX_REQUEST_N - 1));
            return Frames.MAX_REQUEST_N - 1;
        }
        return (int) n;
    }

    // ---- frames in

    @Override
    void onFrame(Frame f) {
        switch (f.type) {
            case Frames.PAYLOAD:
                boolean last = f.has(Frames.FLAG_COMPLETE) || type == Frames.REQUEST_RESPONSE;
                if (f.has(Frames.FLAG_NEXT)) {
                    if (++received > demanded) {
                        protocolViolation();
                        return;
                    }
                    // known to be over before the subscriber hears the last payload: one that cancels
                    // in onNext (Mono.block does, as does take(n) at its n-th) sends no CANCEL for it
                    remoteDone |= last;
                    next(Payload.of(f.data, f.metadata));
                }
                if (last) {
                    remoteDone = true;
                    if (up == null || outDone) {
                        session.remove(this);
                    }
                    complete();
                }
                break;
            case Frames.ERROR:
                remoteDone = true;
                session.remove(this);
                if (up != null) {
                    up.cancel();
                }
                fail(new RpcException(f.n, f.errorMessage(), "route '" + route + "' on " + session.name() + " answered "
                        + RpcException.codeName(f.n) + ": " + f.errorMessage(), session.name()));
                break;
            case Frames.REQUEST_N:
                if (up != null) {
                    up.grant(f.n == Frames.MAX_REQUEST_N ? Long.MAX_VALUE : Math.max(0, f.n));
                }
                break;
            case Frames.CANCEL: // the responder wants no more of our stream; its answer may go on
                if (up != null) {
                    up.cancel();
                    outDone = true;
                    if (remoteDone) {
                        session.remove(this);
                    }
                }
                break;
            default:
                break;
        }
    }

    private void protocolViolation() {
        // the subscriber hears why before the call counts as canceled: a canceled one hears nothing
        fail(new RpcException(RpcException.CONNECTION_ERROR, "overflow", "route '" + route + "' on " + session.name()
                + ": the peer sent more payloads than were requested", session.name()));
        cancel(); // our stream stops, a CANCEL goes out, and the call is removed once it has
    }

    @Override
    void failed(Throwable error) {
        session.remove(this);
        terminate(error);
    }

    @Override
    void terminate(Throwable cause) {
        if (up != null) {
            up.cancel();
        }
        fail(cause);
    }

    private synchronized void next(Payload p) {
        if (!terminated && !cancelled) {
            actual.onNext(p);
        }
    }

    private synchronized void complete() {
        if (!terminated) {
            terminated = true;
            if (!cancelled) {
                actual.onComplete();
            }
        }
    }

    private synchronized void fail(Throwable e) {
        if (!terminated) {
            terminated = true;
            if (!cancelled) { // a canceled subscriber hears nothing more, and asked to
                actual.onError(e);
            }
        }
    }

    @Override
    public String toString() {
        return Frames.typeName(type) + " '" + route + "' on stream " + id;
    }
}
