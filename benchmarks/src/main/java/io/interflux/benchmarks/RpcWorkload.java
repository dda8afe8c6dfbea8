package io.interflux.benchmarks;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.time.Duration;
import java.util.Arrays;
import java.util.function.Supplier;

/**
 * The three workloads of the rpc benchmark, written once over any client as a user of Reactor
 * writes them, so that Interflux and gRPC are driven alike; {@code RSocketBenchPeer.java} (in
 * {@code src/main/rsocket}) carries the same three methods, text for text, for rsocket-java, whose
 * JVMs have a reactor-core of their own. Each runs for a fixed time and counts what completed.
 *
 * <ul>
 *   <li>{@link #calls}: {@value #IN_FLIGHT} request/response calls outstanding
 *       ({@code flatMap} with that concurrency over an endless source that ends at the deadline),
 *       completed calls per second, the calls in flight at the deadline waited for and counted.</li>
 *   <li>{@link #roundTrips}: one call at a time ({@code concatMap}), each timed from its
 *       subscription to its answer, in nanoseconds.</li>
 *   <li>{@link #streamItems}: request/streams of {@value #STREAM_ITEMS} items each, one after
 *       another, each with the subscriber's unbounded demand ({@code count()}), items per second,
 *       the stream running at the deadline finished and counted. Not one endless stream: with
 *       unbounded demand rsocket-java's responder takes a synchronous source on its event loop
 *       until it ends, queueing a frame per item without bound and never reading the CANCEL, so an
 *       endless one exhausts its heap; a finite one is what its users can serve.</li>
 * </ul>
 */
final class RpcWorkload {

    /** The payload of every request, answer and stream item. */
    static final int PAYLOAD = 64;
    /** Request/response calls outstanding at once in {@link #calls}. */
    static final int IN_FLIGHT = 64;
    /** The items of each request/stream in {@link #streamItems}. */
    static final int STREAM_ITEMS = 10_000;
    static final Duration LIMIT = Duration.ofSeconds(60);

    private RpcWorkload() {
    }

    /** Completed calls per second, {@value #IN_FLIGHT} outstanding, for {@code seconds}. */
    static double calls(Supplier<? extends Mono<?>> call, double seconds) {
        long start = System.nanoTime();
        long deadline = start + (long) (seconds * 1e9);
        long n = Flux.<Integer>generate(s -> {
                    if (System.nanoTime() < deadline) {
                        s.next(0);
                    } else {
                        s.complete();
                    }
                })
                .flatMap(i -> call.get(), IN_FLIGHT)
                .count().block(LIMIT);
        return n / ((System.nanoTime() - start) / 1e9);
    }

    /** The round trip of each call, made one at a time for {@code seconds}, in nanoseconds. */
    static long[] roundTrips(Supplier<? extends Mono<?>> call, double seconds) {
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        long[][] rtt = {new long[1 << 16]};
        int[] n = {0};
        Flux.<Integer>generate(s -> {
                    if (System.nanoTime() < deadline) {
                        s.next(0);
                    } else {
                        s.complete();
                    }
                })
                .concatMap(i -> Mono.defer(() -> {
                    long t0 = System.nanoTime();
                    return call.get().doOnSuccess(answer -> {
                        if (n[0] == rtt[0].length) {
                            rtt[0] = Arrays.copyOf(rtt[0], n[0] * 2);
                        }
                        rtt[0][n[0]++] = System.nanoTime() - t0;
                    });
                }), 1)
                .blockLast(LIMIT);
        return Arrays.copyOf(rtt[0], n[0]);
    }

    /** Items per second of request/streams of {@value #STREAM_ITEMS} items, made one after another for {@code seconds}. */
    static double streamItems(Supplier<? extends Flux<?>> stream, double seconds) {
        long start = System.nanoTime();
        long deadline = start + (long) (seconds * 1e9);
        long n = Flux.<Integer>generate(s -> {
                    if (System.nanoTime() < deadline) {
                        s.next(0);
                    } else {
                        s.complete();
                    }
                })
                .concatMap(i -> stream.get(), 1)
                .count().block(LIMIT);
        return n / ((System.nanoTime() - start) / 1e9);
    }
}
