package io.interflux.rpc.internal;

import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * Something with frames to send: a call, a handler's answer, the keepalive. The
 * {@link Outbound} asks it for one frame at a time, only while the transport has demand, so
 * frames are made (and payloads taken from their publishers) no earlier than they can be written.
 */
abstract class OutboundSource {

    private static final AtomicIntegerFieldUpdater<OutboundSource> SCHEDULED =
            AtomicIntegerFieldUpdater.newUpdater(OutboundSource.class, "scheduled");

    /** 1 while this source sits in the outbound's ready queue: it is there at most once. */
    private volatile int scheduled;

    /**
     * The next frame, or {@code null} when there is none now. Called by one drain at a time (never
     * concurrently with itself), so state only this method touches needs no synchronisation.
     */
    abstract byte[] poll();

    /** {@link #poll()} threw: a bug, but one that must fail this source's call, not wedge the connection. */
    abstract void failed(Throwable error);

    final boolean markScheduled() {
        return SCHEDULED.compareAndSet(this, 0, 1);
    }

    final void clearScheduled() {
        scheduled = 0;
    }
}
