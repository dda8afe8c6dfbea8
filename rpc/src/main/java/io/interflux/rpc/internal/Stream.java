package io.interflux.rpc.internal;

/** One stream of a connection, requester or responder side: it sends frames and hears its own. */
abstract class Stream extends OutboundSource {

    final Session session;
    /** Assigned when the stream's first frame is due (requesters) or received (responders). */
    volatile int id;

    Stream(Session session) {
        this.session = session;
    }

    /** A frame for this stream's id; on the inbound thread, one at a time. */
    abstract void onFrame(Frame frame);

    /** The connection ended: fail whatever still waits, send nothing more. */
    abstract void terminate(Throwable cause);

    final void schedule() {
        session.outbound.schedule(this);
    }
}
