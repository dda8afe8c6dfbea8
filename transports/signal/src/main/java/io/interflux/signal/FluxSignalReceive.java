package io.interflux.signal;

import io.interflux.internal.Spi;
import io.interflux.EventLoop;
import io.interflux.UnixSignal;
import io.interflux.internal.Poller;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Operators;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The Flux behind {@link Signals#receive(UnixSignal...)}: each subscriber gets one pending slot per
 * signal, filled by the JVM's handler thread and emptied on demand.
 *
 * <p>A slot holds the latest delivery not yet emitted; a newer delivery replaces it, and the
 * subscriber learns of the replaced ones through {@link SignalEvent#missedBefore()}, computed
 * from the gap in sequence numbers. Memory per subscriber is therefore fixed (one slot per
 * signal it listens to) however fast signals arrive and however slow it is.
 */
final class FluxSignalReceive extends Flux<SignalEvent> {

    private final UnixSignal[] signals;
    private final EventLoop loop;

    FluxSignalReceive(UnixSignal[] signals, EventLoop loop) {
        this.signals = signals;
        this.loop = loop;
    }

    @Override
    public void subscribe(CoreSubscriber<? super SignalEvent> actual) {
        ReceiveSubscription s = new ReceiveSubscription(actual, signals, Spi.poller(loop));
        int added = 0;
        try {
            for (; added < signals.length; added++) {
                s.last[added] = SignalDisposition.add(signals[added], s);
            }
        } catch (RuntimeException e) {
            for (int i = 0; i < added; i++) {
                SignalDisposition.remove(signals[i], s);
            }
            Operators.error(actual, e);
            return;
        }
        actual.onSubscribe(s);
    }

    /** One delivery as the handler saw it; shared by every subscriber's slot. */
    static final class Delivery {
        final long sequence;
        final Instant timestamp;
        final long nanoTime;

        Delivery(long sequence, Instant timestamp, long nanoTime) {
            this.sequence = sequence;
            this.timestamp = timestamp;
            this.nanoTime = nanoTime;
        }
    }

    static final class ReceiveSubscription implements Subscription {

        private final CoreSubscriber<? super SignalEvent> actual;
        private final UnixSignal[] signals;
        private final Poller poller;
        /** The latest undelivered delivery per signal, written by handler threads. */
        private final AtomicReferenceArray<Delivery> slots;
        /** Sequence number of the last delivery emitted (or seen at subscription) per signal; drain only. */
        final long[] last;
        private long emitted;

        private volatile boolean cancelled;

        private volatile long requested;
        private static final AtomicLongFieldUpdater<ReceiveSubscription> REQUESTED =
                AtomicLongFieldUpdater.newUpdater(ReceiveSubscription.class, "requested");

        private volatile int wip;
        private static final AtomicIntegerFieldUpdater<ReceiveSubscription> WIP =
                AtomicIntegerFieldUpdater.newUpdater(ReceiveSubscription.class, "wip");

        ReceiveSubscription(CoreSubscriber<? super SignalEvent> actual, UnixSignal[] signals, Poller poller) {
            this.actual = actual;
            this.signals = signals;
            this.poller = poller;
            this.slots = new AtomicReferenceArray<>(signals.length);
            this.last = new long[signals.length];
        }

        /**
         * Called on the JVM's signal handler thread: one slot swap, and the drain handed to the
         * event loop so that subscriber code never runs on (or blocks) the handler thread.
         */
        void offer(UnixSignal signal, Delivery delivery) {
            if (cancelled) {
                return;
            }
            int i = indexOf(signal);
            // handler threads may race; keep the newest so a slower thread cannot put an older
            // delivery back after a newer one (the older one is then counted as missed)
            Delivery prev;
            do {
                prev = slots.get(i);
                if (prev != null && prev.sequence >= delivery.sequence) {
                    return;
                }
            } while (!slots.compareAndSet(i, prev, delivery));
            if (WIP.getAndIncrement(this) == 0) {
                poller.execute(this::drainLoop);
            }
        }

        @Override
        public void request(long n) {
            if (Operators.validate(n)) {
                Operators.addCap(REQUESTED, this, n);
                if (WIP.getAndIncrement(this) == 0) {
                    drainLoop();
                }
            }
        }

        @Override
        public void cancel() {
            if (!cancelled) {
                cancelled = true;
                for (UnixSignal s : signals) {
                    SignalDisposition.remove(s, this);
                }
            }
        }

        /** Entered by whoever moved {@code wip} from 0; everyone else only bumps it. */
        private void drainLoop() {
            int missed = 1;
            for (;;) {
                if (cancelled) {
                    return;
                }
                long r = requested;
                long e = emitted;
                while (e != r) {
                    int i = oldestPending();
                    if (i < 0) {
                        break;
                    }
                    Delivery d = slots.getAndSet(i, null);
                    if (d == null || d.sequence <= last[i]) {
                        // seen already, or counted as missed when a newer one went out
                        continue;
                    }
                    long missedBefore = d.sequence - last[i] - 1;
                    last[i] = d.sequence;
                    actual.onNext(new SignalEvent(signals[i], d.timestamp, d.sequence, missedBefore));
                    if (cancelled) {
                        return;
                    }
                    e++;
                }
                emitted = e;
                missed = WIP.addAndGet(this, -missed);
                if (missed == 0) {
                    return;
                }
            }
        }

        /** The slot whose pending delivery came first, so events of several signals stay in order. */
        private int oldestPending() {
            int best = -1;
            long bestNanos = 0;
            for (int i = 0; i < signals.length; i++) {
                Delivery d = slots.get(i);
                if (d != null && (best < 0 || d.nanoTime - bestNanos < 0)) {
                    best = i;
                    bestNanos = d.nanoTime;
                }
            }
            return best;
        }

        private int indexOf(UnixSignal signal) {
            for (int i = 0; i < signals.length; i++) {
                if (signals[i] == signal) {
                    return i;
                }
            }
            throw new IllegalStateException(signal + " is not one of this subscription's signals");
        }
    }
}
