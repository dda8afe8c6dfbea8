package io.interflux.it.rpc;

import io.interflux.rpc.Payload;
import io.interflux.rpc.PipeRpc;
import io.interflux.rpc.Routes;
import io.interflux.rpc.Rpc;
import io.interflux.rpc.RpcCodec;
import io.interflux.rpc.RpcServer;
import io.interflux.rpc.RpcService;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.core.publisher.Sinks;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A child JVM serving RPC over its own stdin and stdout until its parent closes the connection,
 * then exiting 0. It never writes to {@code System.out}: the pipe to its parent carries frames
 * only (and {@code StandardStreams} points a stray print at stderr anyway). Its routes:
 * <ul>
 *   <li>{@value #PROCESS} (channel): the consumer of the producer/consumer seed. Answers each task
 *       {@code t} with {@code "processed t"} until the task {@code DONE}, which it answers with
 *       {@code DONE} before it stops taking tasks and completes;</li>
 *   <li>{@value #NUMBERS} (request/stream, the payload a key): {@code "1"}, {@code "2"}, ... without
 *       end, produced only as requested, its demand, items and cancellation reported by key;</li>
 *   <li>{@value #NEVER} (request/response, the payload a key): never answers; reported by key;</li>
 *   <li>{@value #REPORT} (request/response, the payload a key): the {@link StreamReport} of that key;</li>
 *   <li>{@value #SQUARE_TOGETHER} (request/response, the payload {@code "i/N"}): {@code i * i}, answered
 *       only once N such calls have arrived, so all N are outstanding in this process at once;</li>
 *   <li>the methods of {@link Calculator}, as {@code Calculator.add} and so on, in JSON.</li>
 * </ul>
 */
public final class RpcWorker {

    static final String PROCESS = "process";
    static final String NUMBERS = "numbers";
    static final String NEVER = "never";
    static final String REPORT = "report";
    static final String SQUARE_TOGETHER = "square-together";
    static final String DONE = "DONE";

    private static final Duration WAIT = Duration.ofSeconds(20);

    private final Map<String, Tracker> trackers = new ConcurrentHashMap<>();
    private final Map<Integer, Barrier> barriers = new ConcurrentHashMap<>();

    private RpcWorker() {
    }

    /** Serves until the parent closes stdin (or the connection ends otherwise); no arguments. */
    public static void main(String[] args) {
        RpcServer server = Rpc.server(new RpcWorker().routes()).bindNow(PipeRpc.standardStreams(), WAIT);
        // one connection, the parent's: the server disposes itself when that ends
        server.onDispose().block();
        System.exit(0);
    }

    Routes routes() {
        return Routes.empty()
                .requestChannel(PROCESS, tasks -> tasks.map(Payload::dataUtf8)
                        .takeUntil(DONE::equals)
                        .map(t -> Payload.of(t.equals(DONE) ? DONE : "processed " + t)))
                .requestStream(NUMBERS, p -> {
                    Tracker t = tracker(p.dataUtf8());
                    return Flux.range(1, Integer.MAX_VALUE)
                            .doOnRequest(t::requested)
                            .doOnNext(i -> t.produced.incrementAndGet())
                            .doOnCancel(t::cancelled)
                            .map(i -> Payload.of(Integer.toString(i)));
                })
                .requestResponse(NEVER, p -> {
                    Tracker t = tracker(p.dataUtf8());
                    return Mono.<Payload>never().doOnCancel(t::cancelled);
                })
                .requestResponse(REPORT, p -> Mono.fromCallable(() -> {
                    Tracker t = trackers.get(p.dataUtf8());
                    StreamReport r = t == null ? StreamReport.NONE : t.report();
                    return Payload.of(RpcCodec.json().encode(r, StreamReport.class));
                }))
                .requestResponse(SQUARE_TOGETHER, p -> {
                    String[] iOfN = p.dataUtf8().split("/");
                    long i = Long.parseLong(iOfN[0]);
                    Barrier b = barriers.computeIfAbsent(Integer.parseInt(iOfN[1]), Barrier::new);
                    return b.arrive().thenReturn(Payload.of(Long.toString(i * i)));
                })
                .and(RpcService.routes(Calculator.class, new LocalCalculator(), RpcCodec.json()));
    }

    private Tracker tracker(String key) {
        Tracker t = new Tracker();
        if (trackers.putIfAbsent(key, t) != null) {
            throw new IllegalArgumentException("key '" + key + "' was used before: each call needs its own");
        }
        return t;
    }

    /** One call's counts; written by the call's handler, read by {@value #REPORT} on any thread. */
    private static final class Tracker {
        final AtomicLong requested = new AtomicLong();
        final AtomicLong produced = new AtomicLong();
        volatile boolean cancelled;
        volatile long producedAtCancel;

        void requested(long n) {
            requested.accumulateAndGet(n, Operators::addCap);
        }

        void cancelled() {
            producedAtCancel = produced.get();
            cancelled = true;
        }

        StreamReport report() {
            boolean c = cancelled; // read first: producedAtCancel is written before it
            return new StreamReport(true, requested.get(), produced.get(), c, c ? producedAtCancel : 0);
        }
    }

    /** Opens once {@code parties} calls have arrived. */
    private static final class Barrier {
        final int parties;
        final AtomicInteger arrived = new AtomicInteger();
        final Sinks.Empty<Void> open = Sinks.empty();

        Barrier(int parties) {
            this.parties = parties;
        }

        Mono<Void> arrive() {
            if (arrived.incrementAndGet() == parties) {
                open.tryEmitEmpty();
            }
            return open.asMono();
        }
    }

    /** The child's {@link Calculator}. */
    static final class LocalCalculator implements Calculator {
        private final List<String> notes = new CopyOnWriteArrayList<>();

        @Override
        public Mono<Integer> add(Pair p) {
            return Mono.just(p.a() + p.b());
        }

        @Override
        public Mono<Integer> divide(Pair p) {
            return Mono.fromCallable(() -> p.a() / p.b());
        }

        @Override
        public Flux<Integer> countTo(Integer n) {
            return Flux.range(1, n);
        }

        @Override
        public Flux<String> upper(Flux<String> words) {
            return words.map(String::toUpperCase);
        }

        @Override
        public Mono<Void> note(String s) {
            return Mono.fromRunnable(() -> notes.add(s));
        }

        @Override
        public Mono<List<String>> notes() {
            return Mono.fromCallable(() -> List.copyOf(notes));
        }
    }
}
