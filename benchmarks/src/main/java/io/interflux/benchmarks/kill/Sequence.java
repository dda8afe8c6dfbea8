package io.interflux.benchmarks.kill;

import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The Interflux side's subscriber: checks that the values are the numbers 0, 1, 2, ... in order,
 * each once, and records how the stream ended and when. It requests {@code initialDemand} at
 * first (all, or the few a held-back receiver takes before the kill) and the rest on
 * {@link #requestAll()}; it says when {@code reachAt} values have arrived (the kill point), and
 * cancels at the campaign's {@link #END} marker, sent after the victim's death into a kernel
 * object that outlives it (a queue, a ring) so that its arrival means everything before it was
 * drained. Its callbacks run on the endpoint's threads (Interflux or Netty loops): they only count
 * and complete futures, never block.
 */
final class Sequence extends BaseSubscriber<String> {

    /** What the campaign sends after the victim's last value where the mechanism outlives it. */
    static final String END = "end";
    /** Violations kept in full; more are only counted. */
    private static final int KEPT = 5;

    private final long initialDemand;
    private final long reachAt;
    private final CountDownLatch reached = new CountDownLatch(1);
    private final CompletableFuture<Long> marker = new CompletableFuture<>();
    private final CompletableFuture<Optional<Throwable>> ended = new CompletableFuture<>();
    private final StringBuilder violations = new StringBuilder();
    private int violationCount;
    // written by the one thread the stream signals on at a time, read by the campaign's thread
    private volatile long next;
    private volatile long endNanos;

    Sequence(long initialDemand, long reachAt) {
        this.initialDemand = initialDemand;
        this.reachAt = reachAt;
    }

    @Override
    protected void hookOnSubscribe(Subscription subscription) {
        if (reachAt == 0) {
            reached.countDown();
        }
        if (initialDemand > 0) {
            request(initialDemand);
        }
    }

    @Override
    protected void hookOnNext(String value) {
        if (value.equals(END)) {
            marker.complete(System.nanoTime());
            dispose(); // everything before the marker has arrived: stop reading
            return;
        }
        long n;
        try {
            n = Long.parseLong(value);
        } catch (NumberFormatException e) {
            violation("not a number: '" + value + "' after " + next + " values");
            return;
        }
        long expected = next;
        if (n != expected) {
            violation(n < expected ? "duplicate " + n + " after " + expected + " values"
                    : "gap: " + n + " after " + expected + " values (" + (n - expected) + " lost)");
        }
        next = n + 1;
        if (n + 1 == reachAt) {
            reached.countDown();
        }
    }

    private void violation(String what) {
        synchronized (violations) {
            if (++violationCount <= KEPT) {
                violations.append(violations.length() == 0 ? "" : "; ").append(what);
            }
        }
    }

    @Override
    protected void hookOnComplete() {
        end(Optional.empty());
    }

    @Override
    protected void hookOnError(Throwable e) {
        end(Optional.of(e));
    }

    @Override
    protected void hookOnCancel() {
        marker.completeExceptionally(new IllegalStateException("cancelled before the end marker"));
    }

    private void end(Optional<Throwable> how) {
        endNanos = System.nanoTime();
        ended.complete(how);
        marker.completeExceptionally(new IllegalStateException("the stream ended before the end marker"));
    }

    /** The rest of the values: a held-back receiver drains what the kernel object kept. */
    void requestAll() {
        request(Long.MAX_VALUE);
    }

    /** Waits until {@code reachAt} values arrived; false when {@code within} passed or the stream ended first. */
    boolean awaitReached(Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        try {
            while (!reached.await(10, TimeUnit.MILLISECONDS)) {
                if (ended.isDone() || System.nanoTime() - deadline > 0) {
                    return false;
                }
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** How the stream ended (empty: completed), or {@code null} when it had not within {@code within}. */
    Optional<Throwable> awaitEnd(Duration within) {
        return await(ended, within);
    }

    /** When the end marker arrived ({@link System#nanoTime()}), or {@code null} when it had not within {@code within}. */
    Long awaitMarker(Duration within) {
        return await(marker, within);
    }

    private static <T> T await(CompletableFuture<T> f, Duration within) {
        try {
            return f.get(within.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** When the stream ended, {@link System#nanoTime()}. */
    long endNanos() {
        return endNanos;
    }

    /** The values received in order: the next number expected. */
    long received() {
        return next;
    }

    /** What was out of order, or empty. */
    String violations() {
        synchronized (violations) {
            return violationCount == 0 ? "" : violationCount + " out of sequence: " + violations;
        }
    }
}
