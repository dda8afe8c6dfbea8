package io.interflux.testkit.tck;

import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import org.reactivestreams.tck.SubscriberBlackboxVerification;
import org.testng.annotations.AfterClass;
import org.testng.annotations.AfterMethod;
import org.testng.annotations.BeforeClass;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The Reactive Streams TCK's {@link SubscriberBlackboxVerification} for the subscriber an Interflux
 * {@code send(Publisher)} puts on the publisher it is given: the real one, not a stand-in.
 * {@link #createSubscriber()} calls {@link #send(Publisher)} with a publisher that only keeps the
 * subscriber it is subscribed with, subscribes the returned {@code Mono}, and hands that subscriber
 * to the TCK, which then plays the publisher: {@code onSubscribe}, elements made by
 * {@link #createElement(int)}, completion and errors.
 *
 * <p>After every test method each send is given a subscription if the test never gave it one (so
 * that it can end), cancelled, and what {@link #opened(Disposable)} was handed is disposed and its
 * release awaited; after the class, {@link io.interflux.testkit.LeakCheck} fails it if anything was
 * left behind.
 *
 * @param <T> the values the send takes
 */
public abstract class IpcSubscriberVerification<T> extends SubscriberBlackboxVerification<T> {

    private final Opened opened = new Opened();
    private final Watchdog watchdog = new Watchdog();

    /** A verification with {@link TckTimeouts}. */
    protected IpcSubscriberVerification() {
        super(TckTimeouts.environment());
    }

    /**
     * The send under test, of {@code values}: opens what it writes to (handing it to
     * {@link #opened(Disposable)}, with whatever drains it) and returns the endpoint's
     * {@code send(values)}. It must subscribe to {@code values} once the returned {@code Mono} is
     * subscribed (at once, or within {@link TckTimeouts#SIGNAL_MILLIS} on another thread).
     */
    protected abstract Mono<Void> send(Publisher<T> values);

    /** The subscriber {@link #send(Publisher)} puts on its publisher. */
    @Override
    @SuppressWarnings("unchecked")
    public final Subscriber<T> createSubscriber() {
        CompletableFuture<Subscriber<? super T>> captured = new CompletableFuture<>();
        Disposable sending = send(captured::complete).subscribe(done -> { }, error -> { });
        Subscriber<? super T> subscriber;
        try {
            // most sends subscribe at once; reactor-netty's may do it on its event loop
            subscriber = captured.get(TckTimeouts.SIGNAL_MILLIS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            sending.dispose();
            throw new IllegalStateException("the send did not subscribe to its publisher within "
                    + TckTimeouts.SIGNAL_MILLIS + " ms of being subscribed", e);
        } catch (InterruptedException e) {
            sending.dispose();
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        opened.then(() -> {
            // a send the test never gave a subscription (rule 2.13's onSubscribe(null)) waits for
            // one; with one it can see the cancel and let go of the endpoint. A send that has one
            // cancels this one (rule 2.5).
            subscriber.onSubscribe(new Subscription() {
                @Override
                public void request(long n) {
                }

                @Override
                public void cancel() {
                }
            });
            sending.dispose();
        });
        return (Subscriber<T>) subscriber;
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
