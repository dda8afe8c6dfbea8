package io.interflux.benchmarks;

import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/** Ping-pong through Interflux on both sides of the timer: each pong sends the next ping. */
final class RoundTrips {

    private static final Duration LIMIT = Duration.ofSeconds(60);

    private RoundTrips() {
    }

    /**
     * {@code count} round trips of {@code ping}, in nanoseconds, in arrival order.
     *
     * @param send    sends the pings it is given; completes when they are all sent
     * @param replies the pongs, one per ping
     */
    static long[] measure(Function<Flux<byte[]>, Mono<Void>> send, Flux<byte[]> replies, byte[] ping, int count) {
        return measure(send, replies, ping, count, Duration.ZERO);
    }

    /**
     * As {@link #measure(Function, Flux, byte[], int)}, but each ping leaves {@code gap} after the
     * previous pong (the first {@code gap} after the start), from a timer thread: long enough a
     * gap and every round trip starts with both sides asleep. The clock starts when the ping is
     * handed to the send, so the gap is not in the figure. Returns once the send has ended.
     */
    static long[] measure(Function<Flux<byte[]>, Mono<Void>> send, Flux<byte[]> replies, byte[] ping, int count,
                          Duration gap) {
        long[] rtt = new long[count];
        // release and acquire, free on x86: the ping may leave on a timer thread and its pong
        // arrive on a loop thread; a volatile store would add a fence to every round trip
        AtomicLong sentAt = new AtomicLong();
        long gapNanos = gap.toNanos();
        Scheduler.Worker timer = gapNanos > 0 ? Schedulers.parallel().createWorker() : null;
        // Flux.create's sink serialises emissions: the next ping goes out on the loop thread when
        // a pong arrives, possibly while the first emission is still returning, an overlap a
        // unicast Sinks.Many refuses with FAIL_NON_SERIALIZED
        AtomicReference<FluxSink<byte[]>> pings = new AtomicReference<>();
        CompletableFuture<Void> sent = send.apply(Flux.create(pings::set)).toFuture();
        Runnable next = () -> {
            sentAt.setRelease(System.nanoTime());
            pings.get().next(ping);
        };
        Runnable afterGap = timer == null ? next : () -> timer.schedule(next, gapNanos, TimeUnit.NANOSECONDS);
        try {
            if (pings.get() == null) {
                sent.get(LIMIT.toMillis(), TimeUnit.MILLISECONDS); // failed before it took the pings: throws why
                throw new IllegalStateException("the send ended without subscribing to its pings");
            }
            afterGap.run();
            int[] received = {0};
            Mono<Void> pongs = replies.take(count).index().doOnNext(t -> {
                int i = t.getT1().intValue();
                rtt[i] = System.nanoTime() - sentAt.getAcquire();
                received[0] = i + 1;
                if (i + 1 < count) {
                    afterGap.run();
                }
            }).then();
            // a send that fails (refused, or its object gone) ends the wait at once
            Mono.firstWithSignal(pongs, Mono.fromFuture(sent, true).then(Mono.never())).block(LIMIT);
            if (received[0] != count) {
                throw new IllegalStateException("the replies ended after " + received[0] + " of " + count);
            }
            pings.get().complete();
            // the send has ended (and let go of what it claimed) before the next round starts one
            sent.get(LIMIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            sent.cancel(true);
            throw e instanceof RuntimeException ? (RuntimeException) e : new IllegalStateException("round trips failed", e);
        } finally {
            if (timer != null) {
                timer.dispose();
            }
        }
        return rtt;
    }
}
