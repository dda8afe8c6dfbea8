package io.interflux.rpc.internal;

import io.interflux.rpc.Payload;
import io.interflux.rpc.Routes;
import io.interflux.rpc.RpcException;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.util.Logger;
import reactor.util.Loggers;

/**
 * A call this side answers: request/response, request/stream or channel. The handler's publisher
 * is taken through an {@link Upstream} that holds the caller's credit (one for a
 * request/response, then request-n) and the connection's window, so the handler produces no
 * faster than the remote subscriber asks and the transport writes. A channel also hands the
 * caller's payloads to the handler through a {@link ChannelInbound}, whose demand goes back as
 * request-n.
 */
final class ResponderCall extends Stream {

    private static final Logger log = Loggers.getLogger(ResponderCall.class);

    private final String route;
    private final boolean single;
    private final Upstream up;
    private final ChannelInbound inbound;
    private final Publisher<Payload> answer;
    private volatile boolean remoteCancelled;
    /** The answer has ended: written by the drain, read by the caller's side ending on another thread. */
    private volatile boolean outDone;

    ResponderCall(Session session, Frame request, String route, Routes.Handler handler, Payload payload) {
        super(session);
        this.id = request.streamId;
        this.route = route;
        this.single = request.type == Frames.REQUEST_RESPONSE;
        this.up = new Upstream(single ? 1 : session.settings.window, this::schedule);
        this.inbound = request.type == Frames.REQUEST_CHANNEL
                ? new ChannelInbound(this, payload, request.has(Frames.FLAG_COMPLETE)) : null;
        Publisher<Payload> p;
        try {
            p = inbound != null ? handler.channel().apply(inbound) : handler.single().apply(payload);
            if (p == null) {
                throw new NullPointerException("the handler of route '" + route + "' returned null");
            }
        } catch (Throwable t) {
            p = Mono.error(t);
        }
        this.answer = p;
        long credit = single ? 1 : request.n == Frames.MAX_REQUEST_N ? Long.MAX_VALUE : Math.max(0, request.n);
        up.grant(credit);
    }

    /** Runs a fire-and-forget handler for its side effects; {@code finished} runs when it has ended, however. */
    static void fireAndForget(Session session, String route, Routes.Handler handler, Payload payload, Runnable finished) {
        Mono<Void> done;
        try {
            done = Mono.from(handler.fireAndForget().apply(payload));
        } catch (Throwable t) {
            done = Mono.error(t);
        }
        done.doFinally(s -> finished.run())
                .subscribe(null, e -> log.warn("{}: the fire-and-forget handler of route '{}' failed: {}", session.name(), route, e.toString()));
    }

    void start() {
        answer.subscribe(up);
    }

    @Override
    byte[] poll() {
        if (inbound != null) {
            byte[] control = inbound.pollControl(id);
            if (control != null) {
                return control;
            }
        }
        if (outDone || remoteCancelled) {
            return null;
        }
        boolean done = up.isDone();
        Payload p = up.poll();
        if (p != null) {
            byte[] metadata = p.hasMetadata() ? p.metadata() : null;
            int size = Frames.size(0, metadata, p.data());
            if (size > session.maxFrameSize()) {
                up.cancel();
                String message = "an answer of " + size + " bytes exceeds the frame limit of " + session.maxFrameSize();
                log.warn("{}: route '{}': {}", session.name(), route, message);
                return end(Frames.error(id, RpcException.APPLICATION_ERROR, message), true);
            }
            if (single) {
                up.cancel(); // a request/response answers once, whatever the handler's publisher has left
                return end(Frames.next(id, metadata, p.data(), true), false);
            }
            return Frames.next(id, metadata, p.data(), false);
        }
        if (done) {
            Throwable error = up.error();
            if (error != null) {
                return end(errorFrame(error), true);
            }
            return end(Frames.complete(id), false);
        }
        return null;
    }

    /** A handler's error as the caller hears it: an RpcException keeps its code, anything else is APPLICATION_ERROR. */
    private byte[] errorFrame(Throwable error) {
        if (error instanceof RpcException) {
            RpcException e = (RpcException) error;
            return Frames.error(id, e.code(), e.remoteMessage() != null ? e.remoteMessage() : e.getMessage());
        }
        return Frames.error(id, RpcException.APPLICATION_ERROR, error.getMessage() != null ? error.getMessage() : error.toString());
    }

    /** The last frame of the answer; an ERROR ends the caller's side of a channel too. */
    private byte[] end(byte[] frame, boolean error) {
        outDone = true;
        if (inbound == null || error) {
            if (inbound != null) {
                inbound.fail(new RpcException(RpcException.CANCELED, "answer failed",
                        "route '" + route + "': the answer failed, so the channel ended", session.name()));
            }
            session.remove(this);
        } else if (inbound.isDone()) {
            session.remove(this);
        }
        return frame;
    }

    /** The caller's side of the channel ended or was canceled: the call is over once the answer is too. */
    void inboundDone() {
        if (outDone || remoteCancelled) {
            session.remove(this);
        }
        schedule();
    }

    @Override
    void onFrame(Frame f) {
        switch (f.type) {
            case Frames.REQUEST_N:
                up.grant(f.n == Frames.MAX_REQUEST_N ? Long.MAX_VALUE : Math.max(0, f.n));
                break;
            case Frames.CANCEL:
                remoteCancelled = true;
                // the inbound ends before the answer is canceled: that cancel reaches the handler's
                // inbound, which would otherwise send the caller a CANCEL of its own stream
                if (inbound != null) {
                    inbound.fail(new RpcException(RpcException.CANCELED, "canceled",
                            "route '" + route + "': the caller canceled the channel", session.name()));
                }
                up.cancel();
                session.remove(this);
                break;
            case Frames.PAYLOAD:
                if (inbound != null) {
                    inbound.onPayload(f);
                }
                break;
            case Frames.ERROR:
                remoteCancelled = true;
                if (inbound != null) { // first, as for CANCEL
                    inbound.fail(new RpcException(f.n, f.errorMessage(), "route '" + route + "': the caller's stream failed with "
                            + RpcException.codeName(f.n) + ": " + f.errorMessage(), session.name()));
                }
                up.cancel();
                session.remove(this);
                break;
            default:
                break;
        }
    }

    @Override
    void failed(Throwable error) {
        session.remove(this);
        terminate(error);
        session.outbound.offer(Frames.error(id, RpcException.APPLICATION_ERROR, "the answer could not be sent: " + error));
    }

    @Override
    void terminate(Throwable cause) {
        remoteCancelled = true;
        if (inbound != null) { // first, as for CANCEL
            inbound.fail(cause);
        }
        up.cancel();
    }

    @Override
    public String toString() {
        return "answer of '" + route + "' on stream " + id;
    }
}
