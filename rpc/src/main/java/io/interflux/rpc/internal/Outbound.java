package io.interflux.rpc.internal;

import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Operators;
import reactor.util.concurrent.Queues;

import java.util.Queue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;

/**
 * The one stream of frames a connection writes, merged from every call. It emits only what the
 * transport requested (the transport requests as it becomes writable), taking one frame at a
 * time from the ready sources in turn, so one busy stream cannot starve the others and nothing is
 * made before it can be written.
 *
 * <p>Bounds: a source is in the ready queue at most once, and each holds at most its window of
 * payloads; the control queue holds connection-level frames (SETUP, refusals), and the session
 * stops reading requests while it is longer than {@link #CONTROL_BACKLOG}. Once completed, only
 * the control frames still queued are written (an ERROR saying why the connection ends).
 */
final class Outbound extends Flux<byte[]> implements Subscription {

    static final int CONTROL_BACKLOG = 256;
    private static final reactor.util.Logger log = reactor.util.Loggers.getLogger(Outbound.class);

    private static final AtomicIntegerFieldUpdater<Outbound> WIP =
            AtomicIntegerFieldUpdater.newUpdater(Outbound.class, "wip");
    private static final AtomicLongFieldUpdater<Outbound> REQUESTED =
            AtomicLongFieldUpdater.newUpdater(Outbound.class, "requested");

    private final Queue<OutboundSource> ready = Queues.<OutboundSource>unboundedMultiproducer().get();
    private final Queue<byte[]> control = Queues.<byte[]>unboundedMultiproducer().get();
    private final AtomicInteger controlSize = new AtomicInteger();
    private final Runnable onControlDrained;
    private final java.util.function.Consumer<Throwable> onFailure;
    private volatile CoreSubscriber<? super byte[]> actual;
    private volatile int wip;
    private volatile long requested;
    private volatile boolean done;
    private volatile boolean cancelled;
    private long emitted;

    /**
     * @param onControlDrained run when the control queue falls back under its backlog
     * @param onFailure        run when the transport's subscriber throws from {@code onNext}: the
     *                         connection cannot write any more and must end
     */
    Outbound(Runnable onControlDrained, java.util.function.Consumer<Throwable> onFailure) {
        this.onControlDrained = onControlDrained;
        this.onFailure = onFailure;
    }

    @Override
    public void subscribe(CoreSubscriber<? super byte[]> s) {
        if (actual != null) {
            Operators.error(s, new IllegalStateException("a connection's frames are written by one subscriber"));
            return;
        }
        actual = s;
        s.onSubscribe(this);
    }

    /** Queues a connection-level frame. */
    void offer(byte[] frame) {
        controlSize.incrementAndGet();
        control.offer(frame);
        drain();
    }

    boolean controlBacklogged() {
        return controlSize.get() >= CONTROL_BACKLOG;
    }

    /** Tells the outbound that {@code source} may have a frame. */
    void schedule(OutboundSource source) {
        if (source.markScheduled()) {
            ready.offer(source);
        }
        drain();
    }

    /** No more frames after those queued: the transport's send completes once they are written. */
    void complete() {
        done = true;
        drain();
    }

    boolean isCancelled() {
        return cancelled;
    }

    @Override
    public void request(long n) {
        if (Operators.validate(n)) {
            Operators.addCap(REQUESTED, this, n);
            drain();
        }
    }

    @Override
    public void cancel() {
        cancelled = true;
    }

    private void drain() {
        if (WIP.getAndIncrement(this) != 0) {
            return;
        }
        int missed = 1;
        do {
            Subscriber<? super byte[]> a = actual;
            if (a != null && !cancelled) {
                long r = requested;
                long e = emitted;
                while (e != r) {
                    byte[] frame = control.poll();
                    if (frame != null) {
                        if (controlSize.decrementAndGet() == CONTROL_BACKLOG - 1) {
                            onControlDrained.run();
                        }
                    } else if (done) {
                        break; // closing: every call has been failed, so none of their frames goes out
                    } else {
                        OutboundSource source = ready.poll();
                        if (source == null) {
                            break;
                        }
                        // cleared before polling: a schedule() racing with this poll re-queues it
                        source.clearScheduled();
                        try {
                            frame = source.poll();
                        } catch (Throwable t) {
                            log.error("a frame could not be made; its call fails", t);
                            source.failed(t);
                            continue;
                        }
                        if (frame == null) {
                            continue;
                        }
                        if (source.markScheduled()) { // it may have more: back of the line, round-robin
                            ready.offer(source);
                        }
                    }
                    try {
                        a.onNext(frame);
                    } catch (Throwable t) { // a transport that breaks the rules: stop, rather than wedge the drain
                        cancelled = true;
                        onFailure.accept(t);
                        break;
                    }
                    e++;
                }
                emitted = e;
                if (done && control.isEmpty()) {
                    cancelled = true; // terminal: nothing is emitted after this
                    a.onComplete();
                }
            }
            missed = WIP.addAndGet(this, -missed);
        } while (missed != 0);
    }
}
