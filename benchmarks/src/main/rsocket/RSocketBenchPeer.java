import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.rsocket.Payload;
import io.rsocket.RSocket;
import io.rsocket.SocketAcceptor;
import io.rsocket.core.RSocketConnector;
import io.rsocket.core.RSocketServer;
import io.rsocket.metadata.CompositeMetadata;
import io.rsocket.metadata.CompositeMetadataCodec;
import io.rsocket.metadata.RoutingMetadata;
import io.rsocket.metadata.TaggingMetadataCodec;
import io.rsocket.metadata.WellKnownMimeType;
import io.rsocket.transport.netty.client.TcpClientTransport;
import io.rsocket.transport.netty.server.CloseableChannel;
import io.rsocket.transport.netty.server.TcpServerTransport;
import io.rsocket.util.DefaultPayload;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.io.BufferedReader;
import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * The {@code rsocket-java} baseline of Interflux's rpc benchmark: rsocket-java 1.1.5 over TCP on
 * loopback, as a user writes it, on its defaults ({@code TcpServerTransport},
 * {@code TcpClientTransport}, the default payload decoder, which copies each payload to the heap)
 * with routes in composite metadata, the same bytes on the wire as Interflux's requests. It runs
 * in JVMs of its own, on the class path {@code benchmarks/target/rsocket-lib/*} (reactor-core 3.4,
 * reactor-netty 1.0, Netty 4.1), in java's source-file mode:
 *
 * <pre>
 * java -cp 'benchmarks/target/rsocket-lib/*' RSocketBenchPeer.java server tcp:0
 * java -cp 'benchmarks/target/rsocket-lib/*' RSocketBenchPeer.java client tcp:PORT
 * </pre>
 *
 * It speaks the lines of {@code io.interflux.benchmarks.RpcPeer} ("listening", "ready", then
 * calls, rtt and stream commands answered with "rate", "count", "ok" or "error: ..."), and
 * measures with the same three methods as {@code RpcWorkload}, copied below text for text: keep
 * them in step.
 */
public final class RSocketBenchPeer {

    static final int PAYLOAD = 64;
    static final int IN_FLIGHT = 64;
    static final int STREAM_ITEMS = 10_000;
    static final Duration LIMIT = Duration.ofSeconds(60);
    static final String CALL = "call";
    static final String STREAM = "stream";

    private RSocketBenchPeer() {
    }

    public static void main(String[] args) throws Exception {
        ProcessHandle.current().parent().ifPresent(p -> p.onExit().thenRun(() -> Runtime.getRuntime().halt(3)));
        if (!args[1].startsWith("tcp:")) {
            throw new IllegalArgumentException("tcp:PORT required but it was " + args[1]);
        }
        int port = Integer.parseInt(args[1].substring("tcp:".length()));
        if (args[0].equals("server")) {
            serve(port);
        } else {
            run(port);
        }
        System.exit(0);
    }

    // ---- the server

    private static void serve(int port) throws IOException {
        byte[] item = new byte[PAYLOAD];
        RSocket handler = new RSocket() {
            @Override
            public Mono<Payload> requestResponse(Payload p) {
                try {
                    return CALL.equals(route(p)) ? Mono.just(DefaultPayload.create(p.getData()))
                            : Mono.error(new IllegalArgumentException("no route '" + route(p) + "'"));
                } finally {
                    p.release();
                }
            }

            @Override
            public Flux<Payload> requestStream(Payload p) {
                try {
                    return STREAM.equals(route(p)) ? Flux.range(0, STREAM_ITEMS).map(i -> DefaultPayload.create(item))
                            : Flux.error(new IllegalArgumentException("no route '" + route(p) + "'"));
                } finally {
                    p.release();
                }
            }
        };
        CloseableChannel server = RSocketServer.create(SocketAcceptor.with(handler))
                .bind(TcpServerTransport.create("127.0.0.1", port))
                .block(LIMIT);
        System.out.println("listening tcp:" + server.address().getPort());
        try {
            System.in.transferTo(OutputStream.nullOutputStream()); // until the benchmark closes our stdin
        } finally {
            server.dispose();
            server.onClose().block(LIMIT);
        }
    }

    /** The route a request's composite metadata names, "" for none. */
    private static String route(Payload p) {
        if (!p.hasMetadata()) {
            return "";
        }
        for (CompositeMetadata.Entry e : new CompositeMetadata(p.sliceMetadata(), false)) {
            if (WellKnownMimeType.MESSAGE_RSOCKET_ROUTING.getString().equals(e.getMimeType())) {
                return new RoutingMetadata(e.getContent()).iterator().next();
            }
        }
        return "";
    }

    /** Composite metadata with one routing entry naming {@code route}. */
    private static byte[] routeMetadata(String route) {
        ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;
        CompositeByteBuf metadata = alloc.compositeBuffer();
        RoutingMetadata routing = TaggingMetadataCodec.createRoutingMetadata(alloc, List.of(route));
        CompositeMetadataCodec.encodeAndAddMetadata(metadata, alloc, WellKnownMimeType.MESSAGE_RSOCKET_ROUTING, routing.getContent());
        try {
            return ByteBufUtil.getBytes(metadata);
        } finally {
            metadata.release();
        }
    }

    // ---- the client

    private static void run(int port) throws IOException {
        RSocket rsocket = RSocketConnector.create()
                .metadataMimeType(WellKnownMimeType.MESSAGE_RSOCKET_COMPOSITE_METADATA.getString())
                .connect(TcpClientTransport.create("127.0.0.1", port))
                .block(LIMIT);
        byte[] payload = new byte[PAYLOAD];
        byte[] callRoute = routeMetadata(CALL);
        byte[] streamRoute = routeMetadata(STREAM);
        // each answer's size, its payload released as a user releases what rsocket-java hands over
        Supplier<Mono<Integer>> call = () -> rsocket.requestResponse(DefaultPayload.create(payload, callRoute)).map(RSocketBenchPeer::size);
        Supplier<Flux<Integer>> stream = () -> rsocket.requestStream(DefaultPayload.create(payload, streamRoute)).map(RSocketBenchPeer::size);
        try {
            Integer answer = call.get().block(LIMIT);
            List<Integer> items = stream.get().take(3).collectList().block(LIMIT);
            if (answer == null || answer != PAYLOAD || !items.equals(List.of(PAYLOAD, PAYLOAD, PAYLOAD))) {
                throw new IllegalStateException("answered with " + answer + " bytes and stream items of " + items);
            }
            System.out.println("ready");
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line; (line = in.readLine()) != null; ) {
                try {
                    command(call, stream, line.trim().split(" "));
                    System.out.println("ok");
                } catch (Exception | Error e) {
                    System.out.println("error: " + e);
                }
            }
        } finally {
            rsocket.dispose();
        }
    }

    private static int size(Payload p) {
        try {
            return p.data().readableBytes();
        } finally {
            p.release();
        }
    }

    private static void command(Supplier<Mono<Integer>> call, Supplier<Flux<Integer>> stream, String[] cmd) throws IOException {
        double seconds = Double.parseDouble(cmd[1]);
        switch (cmd[0]) {
            case "calls":
                System.out.println(String.format(Locale.ROOT, "rate %.6g", calls(call, seconds)));
                break;
            case "rtt":
                long[] rtt = roundTrips(call, seconds);
                try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(Path.of(cmd[2]))))) {
                    for (long v : rtt) {
                        out.writeLong(v);
                    }
                }
                System.out.println("count " + rtt.length);
                break;
            case "stream":
                System.out.println(String.format(Locale.ROOT, "rate %.6g", streamItems(stream, seconds)));
                break;
            default:
                throw new IllegalArgumentException("unknown command " + String.join(" ", cmd));
        }
    }

    // ---- the workloads: RpcWorkload's, text for text

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
