package io.interflux.benchmarks;

import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.publisher.Mono;

import java.time.Duration;
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
        long[] rtt = new long[count];
        long[] sentAt = new long[1];
        // Flux.create's sink serialises emissions: the next ping goes out on the loop thread when
        // a pong arrives, possibly while the first emission is still returning, an overlap a
        // unicast Sinks.Many refuses with FAIL_NON_SERIALIZED
        AtomicReference<FluxSink<byte[]>> pings = new AtomicReference<>();
        Disposable sending = send.apply(Flux.create(pings::set)).subscribe(null, e -> { });
        try {
            sentAt[0] = System.nanoTime();
            pings.get().next(ping);
            replies.take(count).index().doOnNext(t -> {
                int i = t.getT1().intValue();
                rtt[i] = System.nanoTime() - sentAt[0];
                if (i + 1 < count) {
                    sentAt[0] = System.nanoTime();
                    pings.get().next(ping);
                }
            }).then().block(LIMIT);
        } finally {
            pings.get().complete();
            sending.dispose();
        }
        return rtt;
    }
}
