package io.interflux.signal;

import io.interflux.UnixSignal;
import io.interflux.testkit.tck.IpcPublisherVerification;
import org.reactivestreams.Publisher;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The Reactive Streams TCK on a signal's receive ({@link Signals#receive(UnixSignal...)}) of
 * SIGWINCH, which this JVM raises to itself every 2 ms while a test runs (its default disposition
 * is to ignore it, so a raise after the last subscriber has gone is harmless). Deliveries without
 * demand are held, latest only, so a subscriber gets an element per request while signals come.
 * Nothing of the test ends the stream, so every subscription is cancelled after it (some TCK tests
 * leave theirs running), and the handler must then be gone: the previous disposition is back.
 *
 * <p>Skipped:
 * <ul>
 *   <li>every rule that needs {@code onComplete} (1.2's, 1.5's, 1.7's, the exact-count ones, 3.17's
 *       with completion, the multicast ones that complete): a signal stream never completes by
 *       itself (it is cancelled), so {@link #maxElementsFromPublisher()} says so and the TCK skips
 *       them;</li>
 *   <li>the failed-publisher rules 1.4 and 1.9's rejection: Interflux refuses a signal it will not
 *       handle at once, as misuse, by throwing from {@code receive(...)} ({@link SignalRefusedException});
 *       only a JVM started with {@code -Xrs} refuses one on subscription, which this JVM is not, so
 *       there is no publisher that fails after {@code onSubscribe} to give the TCK;</li>
 *   <li>the {@code untested_} rules, which the TCK has no test for.</li>
 * </ul>
 */
public class SignalReceiveTckTest extends IpcPublisherVerification<SignalEvent> {

    private static final long RAISE_EVERY_MILLIS = 2;

    @Override
    public Publisher<SignalEvent> createPublisher(long elements) {
        // released last: once every subscription of the test is cancelled, the handler is gone again
        afterTest(() -> {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (Signals.listening(UnixSignal.SIGWINCH)) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("SIGWINCH's handler is still installed 10 s after the last cancel");
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
            }
        });
        Publisher<SignalEvent> receive = cancelledAfterTest(Signals.receive(UnixSignal.SIGWINCH));
        ScheduledExecutorService raiser = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tck-sigwinch");
            t.setDaemon(true);
            return t;
        });
        afterTest(() -> {
            raiser.shutdownNow();
            try {
                raiser.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        long pid = ProcessHandle.current().pid();
        raiser.scheduleAtFixedRate(() -> Signals.send(pid, UnixSignal.SIGWINCH).block(Duration.ofSeconds(1)),
                0, RAISE_EVERY_MILLIS, TimeUnit.MILLISECONDS);
        return receive;
    }

    @Override
    public Publisher<SignalEvent> createFailedPublisher() {
        return null;
    }

    @Override
    public long maxElementsFromPublisher() {
        return publisherUnableToSignalOnComplete();
    }
}
