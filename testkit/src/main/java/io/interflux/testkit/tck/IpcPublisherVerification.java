package io.interflux.testkit.tck;

import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import org.reactivestreams.tck.PublisherVerification;
import org.testng.annotations.AfterClass;
import org.testng.annotations.AfterMethod;
import org.testng.annotations.BeforeClass;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

import java.lang.ref.WeakReference;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The Reactive Streams TCK's {@link PublisherVerification} for an Interflux receive stream.
 * {@link #createPublisher(long)} opens what the stream reads (a child, a FIFO, a queue) and hands
 * each resource to {@link #opened(Disposable)}: after every test method it is disposed and its
 * release awaited, whether the test passed or not; after the class, {@link io.interflux.testkit.LeakCheck}
 * fails it if any descriptor, named object or child was left behind. Timeouts are
 * {@link TckTimeouts}'.
 *
 * <pre>{@code
 * public class PosixQueueTckTest extends IpcPublisherVerification<PosixMessage> {
 *     public Publisher<PosixMessage> createPublisher(long elements) {
 *         PosixQueue queue = opened(PosixQueue.named(...).openNow(Duration.ofSeconds(5)));
 *         ...
 *     }
 * }
 * }</pre>
 *
 * @param <T> the stream's elements
 */
public abstract class IpcPublisherVerification<T> extends PublisherVerification<T> {

    private final Opened opened = new Opened();
    private final Watchdog watchdog = new Watchdog();

    /** A verification with {@link TckTimeouts}. */
    protected IpcPublisherVerification() {
        super(TckTimeouts.environment(), TckTimeouts.GC_MILLIS);
    }

    /** Disposes {@code resource} after the current test method, and waits for its release. */
    protected final <R extends Disposable> R opened(R resource) {
        return opened.add(resource);
    }

    /**
     * A fresh temporary directory for the current test method (for a FIFO, a socket file), removed
     * after it, once what was opened after this call is released.
     */
    protected final java.nio.file.Path temporaryDirectory() {
        return opened.directory();
    }

    /** Runs {@code release} after the current test method, before what was opened earlier is released. */
    protected final void afterTest(Runnable release) {
        opened.then(release);
    }

    /**
     * The numbers 1 to {@code elements}, for a producer that feeds the stream under test; without
     * end for {@link Long#MAX_VALUE}, which the TCK asks for an unbounded stream. Generated on
     * demand, so a producer held back by the kernel object holds back this too.
     */
    protected static Flux<Long> numbers(long elements) {
        if (elements < 0) {
            throw new IllegalArgumentException("elements >= 0 required but it was " + elements);
        }
        return Flux.generate(() -> 1L, (next, sink) -> {
            if (elements != Long.MAX_VALUE && next > elements) {
                sink.complete();
            } else {
                sink.next(next);
            }
            return next + 1;
        });
    }

    /**
     * {@code stream}, a receive that completes only when {@code endpoint} is disposed (a queue's, a
     * ring's), ended after exactly {@code elements} elements: the endpoint is disposed as the last
     * one passes, before the subscriber sees it, and the stream's own completion follows; for 0 as
     * soon as it is subscribed. Nothing else is changed: the subscriber gets the stream's own
     * subscription and signals. Pass {@link Long#MAX_VALUE} for a stream never to be ended.
     */
    protected static <T> Publisher<T> disposingAfter(long elements, Disposable endpoint, Publisher<T> stream) {
        return new DisposingAfter<>(stream, elements, endpoint);
    }

    /**
     * {@code stream}, with every subscription made to it cancelled after the current test method:
     * for a stream that no resource of the test ends (a signal's), since some TCK tests leave their
     * subscription running (rule 3.2's requests one more in every {@code onNext}, for ever). The
     * subscriber gets the stream's own subscription and signals; a cancel after the stream ended
     * does nothing (rule 3.7). The subscriptions are held weakly, so rule 3.13's check still sees
     * what the stream itself holds.
     */
    protected final <T> Publisher<T> cancelledAfterTest(Publisher<T> stream) {
        // weakly: a subscription the stream has let go of (rule 3.13) must not be held here
        Queue<WeakReference<Subscription>> subscriptions = new ConcurrentLinkedQueue<>();
        afterTest(() -> subscriptions.forEach(ref -> {
            Subscription s = ref.get();
            if (s != null) {
                s.cancel();
            }
        }));
        return subscriber -> {
            if (subscriber == null) {
                stream.subscribe(null); // rule 1.9 is the stream's to keep
                return;
            }
            stream.subscribe(new Subscriber<T>() {
                @Override
                public void onSubscribe(Subscription s) {
                    subscriptions.add(new WeakReference<>(s));
                    subscriber.onSubscribe(s);
                }

                @Override
                public void onNext(T t) {
                    subscriber.onNext(t);
                }

                @Override
                public void onError(Throwable t) {
                    subscriber.onError(t);
                }

                @Override
                public void onComplete() {
                    subscriber.onComplete();
                }
            });
        };
    }

    /** Checks that BlockHound is installed and takes the baseline for the leak check. */
    @BeforeClass
    public void watchForLeaks() {
        watchdog.beforeClass();
    }

    /** Releases what the test method opened. */
    @AfterMethod(alwaysRun = true)
    public void releaseOpened() {
        opened.releaseAll();
    }

    /** Fails the class when it left operating-system objects behind. */
    @AfterClass(alwaysRun = true)
    public void checkForLeaks() {
        watchdog.afterClass(getClass());
    }
}
