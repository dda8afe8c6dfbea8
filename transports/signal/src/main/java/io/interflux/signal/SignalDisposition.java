package io.interflux.signal;

import io.interflux.UnixSignal;
import sun.misc.SignalHandler;

import java.time.Instant;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The handler Interflux installs for one signal while at least one subscriber listens to it,
 * and the disposition it replaced, put back when the last subscriber leaves.
 *
 * <p>The JVM runs {@link #handle} on a short-lived thread of its own for every delivery (the
 * "Signal Dispatcher" starts one per signal). The handler does a constant amount of lock-free
 * work per subscriber, a counter increment and one slot swap, then hands the rest to the
 * subscriber's event loop: it never blocks and never runs subscriber code.
 *
 * <p>Installing and restoring are serialised on {@link #LOCK}; the handler reads the subscriber
 * array without it.
 */
final class SignalDisposition implements SignalHandler {

    /** Guards installation, restoration and the subscriber arrays of every signal. */
    private static final Object LOCK = new Object();

    private static final SignalDisposition[] INSTALLED = new SignalDisposition[65];

    /** Deliveries seen per signal number over the life of the JVM: the events' sequence. */
    private static final AtomicLong[] SEQUENCE = new AtomicLong[65];

    static {
        for (int i = 0; i < SEQUENCE.length; i++) {
            SEQUENCE[i] = new AtomicLong();
        }
    }

    private static final FluxSignalReceive.ReceiveSubscription[] NONE = {};

    private final UnixSignal signal;
    private final sun.misc.Signal jvmSignal;
    private final AtomicLong sequence;
    private SignalHandler previous;
    private volatile FluxSignalReceive.ReceiveSubscription[] receivers = NONE;

    private SignalDisposition(UnixSignal signal) {
        this.signal = signal;
        this.jvmSignal = new sun.misc.Signal(signal.name().substring(3));
        this.sequence = SEQUENCE[signal.number()];
    }

    /**
     * Adds {@code receiver} to the listeners of {@code signal}, installing the handler if it is
     * the first, and returns the sequence number of the last delivery before it joined.
     *
     * @throws SignalRefusedException when the JVM refuses the signal
     */
    static long add(UnixSignal signal, FluxSignalReceive.ReceiveSubscription receiver) {
        synchronized (LOCK) {
            SignalDisposition d = INSTALLED[signal.number()];
            if (d == null) {
                d = new SignalDisposition(signal);
                try {
                    d.previous = sun.misc.Signal.handle(d.jvmSignal, d);
                } catch (IllegalArgumentException e) {
                    throw new SignalRefusedException(signal, "the JVM refuses to hand it to Java code ("
                            + e.getMessage() + "; HotSpot refuses SIGHUP, SIGINT and SIGTERM under -Xrs)", e);
                }
                INSTALLED[signal.number()] = d;
            }
            FluxSignalReceive.ReceiveSubscription[] a = d.receivers;
            FluxSignalReceive.ReceiveSubscription[] b = Arrays.copyOf(a, a.length + 1);
            b[a.length] = receiver;
            // published before the baseline is read: a delivery numbered after the baseline
            // increments the sequence after this write, so its handler sees the receiver
            d.receivers = b;
            return d.sequence.get();
        }
    }

    /** Removes {@code receiver}; the last one out restores the disposition found on install. */
    static void remove(UnixSignal signal, FluxSignalReceive.ReceiveSubscription receiver) {
        synchronized (LOCK) {
            SignalDisposition d = INSTALLED[signal.number()];
            if (d == null) {
                return;
            }
            FluxSignalReceive.ReceiveSubscription[] a = d.receivers;
            int i = Arrays.asList(a).indexOf(receiver);
            if (i < 0) {
                return;
            }
            FluxSignalReceive.ReceiveSubscription[] b = new FluxSignalReceive.ReceiveSubscription[a.length - 1];
            System.arraycopy(a, 0, b, 0, i);
            System.arraycopy(a, i + 1, b, i, a.length - i - 1);
            d.receivers = b;
            if (b.length == 0) {
                INSTALLED[signal.number()] = null;
                SignalHandler current = sun.misc.Signal.handle(d.jvmSignal, d.previous);
                if (current != d) {
                    // someone replaced our handler since we installed it: theirs stays
                    sun.misc.Signal.handle(d.jvmSignal, current);
                }
            }
        }
    }

    /** Whether Interflux's handler is installed for {@code signal} (for tests and diagnostics). */
    static boolean isInstalled(UnixSignal signal) {
        synchronized (LOCK) {
            return INSTALLED[signal.number()] != null;
        }
    }

    /** The deliveries of {@code signal} Interflux has seen in this JVM. */
    static long delivered(UnixSignal signal) {
        return SEQUENCE[signal.number()].get();
    }

    @Override
    public void handle(sun.misc.Signal sig) {
        long seq = sequence.incrementAndGet();
        FluxSignalReceive.Delivery delivery = new FluxSignalReceive.Delivery(seq, Instant.now(), System.nanoTime());
        for (FluxSignalReceive.ReceiveSubscription r : receivers) {
            r.offer(signal, delivery);
        }
    }

    @Override
    public String toString() {
        return "Interflux handler for " + signal;
    }
}
