package io.interflux.rpc.internal;

import io.interflux.rpc.Payload;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;

/**
 * A fire-and-forget call: one REQUEST_FNF frame, written when the transport asks for it; the Mono
 * completes once the frame is handed to the transport. Nothing comes back, so a failure of the
 * remote handler is the remote side's to log.
 */
final class FireAndForget extends Mono<Void> {

    private final Session session;
    private final String route;
    private final Payload payload;

    FireAndForget(Session session, String route, Payload payload) {
        this.session = session;
        this.route = route;
        this.payload = payload;
    }

    @Override
    public void subscribe(CoreSubscriber<? super Void> actual) {
        Call call = new Call(actual);
        actual.onSubscribe(call);
        if (session.register(call) < 0) {
            call.done(session.closedError());
            return;
        }
        call.schedule();
    }

    private final class Call extends Stream implements Subscription {
        private final CoreSubscriber<? super Void> actual;
        private volatile boolean cancelled;
        private boolean ended; // guarded by this
        private boolean sent; // poll-only

        Call(CoreSubscriber<? super Void> actual) {
            super(FireAndForget.this.session);
            this.actual = actual;
        }

        @Override
        byte[] poll() {
            if (sent) {
                return null;
            }
            sent = true;
            session.remove(this);
            if (cancelled) {
                return null;
            }
            byte[] frame = Frames.request(id, Frames.REQUEST_FNF,
                    RoutingMetadata.composite(route, payload.hasMetadata() ? payload.metadata() : null), payload.data());
            // written only if its subscriber hears that it was: not after it heard the close
            return done(null) ? frame : null;
        }

        @Override
        void onFrame(Frame frame) {
            // nothing answers a fire-and-forget
        }

        @Override
        void failed(Throwable error) {
            done(error);
        }

        @Override
        void terminate(Throwable cause) {
            done(cause);
        }

        /** Ends the call once; false when it had already ended. */
        synchronized boolean done(Throwable error) {
            if (ended) {
                return false;
            }
            ended = true;
            if (cancelled) {
                return true;
            }
            if (error == null) {
                actual.onComplete();
            } else {
                actual.onError(error);
            }
            return true;
        }

        @Override
        public void request(long n) {
            Operators.validate(n);
        }

        @Override
        public void cancel() {
            cancelled = true;
        }
    }
}
