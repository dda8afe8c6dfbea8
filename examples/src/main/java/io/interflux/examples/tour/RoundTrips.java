package io.interflux.examples.tour;

import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.publisher.Mono;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/** Times ping-pong round trips through any transport: each reply sends the next ping. */
final class RoundTrips {

    private static final Duration LIMIT = Duration.ofSeconds(30);

    private RoundTrips() {
    }

    /**
     * The median of {@code count} round trips of 64-byte pings, in microseconds.
     *
     * @param send    starts sending the pings it is given, completing when they are all sent
     * @param replies the pongs, one per ping
     */
    static double medianMicros(Function<Flux<byte[]>, Mono<Void>> send, Flux<byte[]> replies, int count) {
        byte[] ping = new byte[64];
        long[] rtt = new long[count];
        long[] sentAt = new long[1];
        // Flux.create's sink serialises emissions: the next ping is emitted on the loop thread
        // when a pong arrives, possibly while the first emission is still returning (a unicast
        // Sinks.Many would refuse that overlap with FAIL_NON_SERIALIZED, and the loop would stall)
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
        Arrays.sort(rtt);
        return rtt[count / 2] / 1e3;
    }
}
