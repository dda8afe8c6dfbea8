package io.interflux.examples.tour;

import io.interflux.pipe.ChildProcess;
import io.interflux.pipe.Stdio;
import io.interflux.rpc.Payload;
import io.interflux.rpc.PipeRpc;
import io.interflux.rpc.Routes;
import io.interflux.rpc.Rpc;
import io.interflux.rpc.RpcConnection;
import io.interflux.rpc.RpcServer;
import io.interflux.rpc.SocketRpc;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * RPC: the parent calls functions in a child JVM it started, over the child's stdin and stdout;
 * a remote stream is held back by a slow subscriber, the child counting what it produced; then
 * request/response calls per second and round trips over the pipes and a Unix socket.
 */
public final class RpcChapter implements Chapter {

    private static final Duration LIMIT = Duration.ofSeconds(30);
    private static final int CALLS = 20_000;
    private static final int TRIPS = 3_000;

    @Override
    public String title() {
        return "RPC: calling another process's functions";
    }

    @Override
    public Row run(PrintStream out) throws Exception {
        ChildProcess child = ChildProcess.command(SignalChapter.javaCommand(Worker.class))
                .stderr(Stdio.inherit()).startNow(LIMIT);
        String pipeRow;
        String pipeRtt;
        try {
            RpcConnection worker = Rpc.client().connectNow(PipeRpc.child(child), LIMIT);
            out.println("   child " + child.pid() + " answers: "
                    + worker.requestResponse("greet", Payload.of("parent")).map(Payload::dataUtf8).block(LIMIT));
            out.println("   its tasks, streamed: " + worker.requestStream("tasks", Payload.of("5"))
                    .map(Payload::dataUtf8).collectList().block(LIMIT));
            // a slow subscriber: 10 requested of a million; the child stops where the demand does
            worker.requestStream("numbers", Payload.empty()).take(10).blockLast(LIMIT); // take(10) requests 10
            out.println("   a subscriber that took 10 of a stream of a million: the child produced "
                    + worker.requestResponse("produced", Payload.empty()).map(Payload::dataUtf8).block(LIMIT));
            double[] pipe = measure(worker);
            pipeRow = String.format("%,.0f calls/s over pipes", pipe[0]);
            pipeRtt = String.format("%.1f us", pipe[1]);
            out.printf("   over the child's pipes: %,.0f request/response calls/s (64 in flight), p50 round trip %.1f us%n",
                    pipe[0], pipe[1]);
            worker.disposeNow(LIMIT);
            child.exit().block(LIMIT);
        } finally {
            child.dispose();
        }
        Path dir = Files.createTempDirectory("interflux-tour-rpc");
        Path path = dir.resolve("rpc.sock");
        RpcServer server = Rpc.server(Worker.routes(new AtomicLong())).bindNow(SocketRpc.unixServer(path), LIMIT);
        try {
            RpcConnection c = Rpc.client().connectNow(SocketRpc.unix(path), LIMIT);
            double[] unix = measure(c);
            out.printf("   over a Unix socket (same JVM): %,.0f calls/s, p50 round trip %.1f us%n", unix[0], unix[1]);
            c.disposeNow(LIMIT);
            return new Row("RPC (RSocket wire)", pipeRow + String.format("; %,.0f over a Unix socket", unix[0]),
                    pipeRtt + " / " + String.format("%.1f us", unix[1]) + " p50 call", "calls, streams, channels",
                    "two-way", "calling a worker process's functions, with backpressure across");
        } finally {
            server.disposeNow(LIMIT);
            Files.deleteIfExists(dir);
        }
    }

    /** Calls per second with 64 in flight, then the median of one call at a time. */
    private static double[] measure(RpcConnection c) {
        Payload ping = Payload.of(new byte[64]);
        // a second of calls first: both JVMs compile the path before it is timed
        long warm = System.nanoTime() + 1_000_000_000L;
        while (System.nanoTime() < warm) {
            Flux.range(0, CALLS / 4).flatMap(i -> c.requestResponse("echo", ping), 64).blockLast(LIMIT);
        }
        long t0 = System.nanoTime();
        Flux.range(0, CALLS).flatMap(i -> c.requestResponse("echo", ping), 64).blockLast(LIMIT);
        double rate = CALLS / ((System.nanoTime() - t0) / 1e9);
        long[] rtt = new long[TRIPS];
        for (int i = 0; i < TRIPS; i++) {
            long s = System.nanoTime();
            c.requestResponse("echo", ping).block(LIMIT);
            rtt[i] = System.nanoTime() - s;
        }
        Arrays.sort(rtt);
        return new double[] {rate, rtt[TRIPS / 2] / 1000.0};
    }

    /** The child: serves its routes over its own stdin and stdout until the parent closes them. */
    public static final class Worker {

        private Worker() {
        }

        static Routes routes(AtomicLong produced) {
            return Routes.empty()
                    .requestResponse("greet", p -> Mono.just(Payload.of("hello " + p.dataUtf8() + ", from pid "
                            + ProcessHandle.current().pid())))
                    .requestResponse("echo", Mono::just)
                    .requestStream("tasks", p -> Flux.range(1, Integer.parseInt(p.dataUtf8()))
                            .map(i -> Payload.of("task_" + i)).concatWith(Mono.just(Payload.of("DONE"))))
                    .requestStream("numbers", p -> Flux.range(0, 1_000_000)
                            .doOnNext(i -> produced.incrementAndGet()).map(i -> Payload.of(Integer.toString(i))))
                    .requestResponse("produced", p -> Mono.fromSupplier(() -> Payload.of(produced.get() + " items")));
        }

        /**
         * Serves until stdin ends.
         *
         * @param args none
         */
        public static void main(String[] args) {
            RpcServer server = Rpc.server(routes(new AtomicLong())).bindNow(PipeRpc.standardStreams(), LIMIT);
            server.onDispose().block();
            System.exit(0);
        }
    }
}
