import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
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
import io.rsocket.util.ByteBufPayload;
import io.rsocket.util.DefaultPayload;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * An rsocket-java 1.1.5 peer of the RPC integration tests, run in a JVM of its own in source-file
 * mode ({@code java -cp <rsocket-peer-lib>/* RSocketPeer.java ...}) with rsocket-java's own
 * dependencies (Netty 4.1, reactor-core 3.4), which cannot share the tests' class path. Routes
 * travel as the tests' Interflux side sends them: composite metadata with a routing entry.
 *
 * <ul>
 * <li>{@code server}: a {@code TcpServerTransport} on 127.0.0.1 and a free port, printed first as
 * {@code listening <port>}; it answers {@code greet} (request/response: {@code "hello " + data}),
 * {@code fail} (request/response failing with {@code "no " + data + " today"}), {@code log}
 * (fire-and-forget, printed), {@code count} (request/stream 1..data, printing each demand, each
 * number produced and a cancel) and {@code upper} (channel, upper-casing), and runs until its stdin
 * ends.</li>
 * <li>{@code client <port> <scenario>}: connects with {@code RSocketConnector} (metadata MIME
 * type composite) to 127.0.0.1:port, runs one scenario against the same routes, prints its result
 * lines and exits 0; any failure prints {@code FAILED ...} and exits 1.</li>
 * </ul>
 *
 * Every line goes to stdout at once, so the test reads them as they happen.
 */
public final class RSocketPeer {

    static final Duration WAIT = Duration.ofSeconds(20);

    public static void main(String[] args) throws Exception {
        try {
            if (args.length == 1 && args[0].equals("server")) {
                server();
            } else if (args.length == 3 && args[0].equals("client")) {
                client(Integer.parseInt(args[1]), args[2]);
            } else {
                throw new IllegalArgumentException("usage: server | client <port> <greet|log|count|upper|fail>");
            }
        } catch (Throwable e) {
            say("FAILED " + e);
            e.printStackTrace();
            System.exit(1);
        }
        System.exit(0); // Netty's and Reactor's threads would keep the JVM alive
    }

    static synchronized void say(String line) {
        System.out.println(line);
        System.out.flush();
    }

    // ---- server

    static void server() throws Exception {
        CloseableChannel server = RSocketServer.create(SocketAcceptor.with(new Responder()))
                .bind(TcpServerTransport.create("127.0.0.1", 0))
                .block(WAIT);
        say("listening " + server.address().getPort());
        // the test ends the server by closing stdin; so does its death, leaving no orphan behind
        while (System.in.read() != -1) {
            // nothing is read but the end
        }
        server.dispose();
        server.onClose().block(WAIT);
        say("stopped");
    }

    /** The route of a request: the first tag of its composite metadata's routing entry, or "" when there is none. */
    static String route(Payload p) {
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

    static final class Responder implements RSocket {
        @Override
        public Mono<Payload> requestResponse(Payload p) {
            String route = route(p);
            String data = p.getDataUtf8();
            p.release();
            switch (route) {
                case "greet":
                    say("greet " + data);
                    return Mono.just(DefaultPayload.create("hello " + data));
                case "fail":
                    return Mono.error(new IllegalStateException("no " + data + " today"));
                default:
                    return Mono.error(new IllegalArgumentException("no request/response route '" + route + "'"));
            }
        }

        @Override
        public Mono<Void> fireAndForget(Payload p) {
            String route = route(p);
            say("fireAndForget " + route + " " + p.getDataUtf8());
            p.release();
            return Mono.empty();
        }

        @Override
        public Flux<Payload> requestStream(Payload p) {
            String route = route(p);
            String data = p.getDataUtf8();
            p.release();
            if (!route.equals("count")) {
                return Flux.error(new IllegalArgumentException("no request/stream route '" + route + "'"));
            }
            return Flux.range(1, Integer.parseInt(data))
                    .doOnRequest(n -> say("count requested " + n))
                    .doOnNext(i -> say("count produced " + i))
                    .doOnCancel(() -> say("count cancelled"))
                    .doOnComplete(() -> say("count completed"))
                    .map(i -> DefaultPayload.create(Integer.toString(i)));
        }

        @Override
        public Flux<Payload> requestChannel(Publisher<Payload> payloads) {
            return Flux.from(payloads).switchOnFirst((first, all) -> {
                String route = first.hasValue() ? route(first.get()) : "";
                if (!route.equals("upper")) {
                    return Flux.error(new IllegalArgumentException("no channel route '" + route + "'"));
                }
                return all.map(p -> {
                    String data = p.getDataUtf8();
                    p.release();
                    say("upper got " + data);
                    return DefaultPayload.create(data.toUpperCase());
                }).doOnComplete(() -> say("upper inbound completed"));
            });
        }
    }

    // ---- client

    static void client(int port, String scenario) throws Exception {
        RSocket rsocket = RSocketConnector.create()
                .metadataMimeType(WellKnownMimeType.MESSAGE_RSOCKET_COMPOSITE_METADATA.getString())
                .dataMimeType("application/octet-stream")
                .connect(TcpClientTransport.create("127.0.0.1", port))
                .block(WAIT);
        say("connected");
        switch (scenario) {
            case "greet":
                say("greet answered " + rsocket.requestResponse(routed("greet", "Ada")).map(Payload::getDataUtf8).block(WAIT));
                break;
            case "log":
                rsocket.fireAndForget(routed("log", "from rsocket-java")).block(WAIT);
                say("log sent");
                break;
            case "count":
                count(rsocket);
                break;
            case "upper":
                List<String> upper = rsocket.requestChannel(Flux.just(routed("upper", "a"), DefaultPayload.create("b"),
                                DefaultPayload.create("c")))
                        .map(Payload::getDataUtf8).collectList().block(WAIT);
                say("upper answered " + String.join(",", upper));
                break;
            case "fail":
                try {
                    rsocket.requestResponse(routed("fail", "cake")).block(WAIT);
                    say("fail answered, not failed");
                } catch (RuntimeException e) {
                    say("fail failed " + e.getClass().getName() + ": " + e.getMessage());
                }
                break;
            default:
                throw new IllegalArgumentException("no scenario '" + scenario + "'");
        }
        rsocket.dispose();
        rsocket.onClose().block(WAIT);
        say("done");
    }

    /**
     * Requests 5 of a stream of 1000 and shows that exactly 5 come: after they have, one more
     * request/response round trip on the connection brings no sixth. Then it waits for a line on
     * stdin (the test checks the Interflux producer meanwhile), requests 3 more and cancels.
     */
    static void count(RSocket rsocket) throws Exception {
        BlockingQueue<String> items = new LinkedBlockingQueue<>();
        BaseSubscriber<String> subscriber = new BaseSubscriber<>() {
            @Override
            protected void hookOnSubscribe(Subscription s) {
                s.request(5);
            }

            @Override
            protected void hookOnNext(String value) {
                items.add(value);
            }

            @Override
            protected void hookOnError(Throwable e) {
                items.add("error " + e);
            }

            @Override
            protected void hookOnComplete() {
                items.add("complete");
            }
        };
        rsocket.requestStream(routed("count", "1000")).map(Payload::getDataUtf8).subscribe(subscriber);
        say("count first 5: " + take(items, 5));
        rsocket.requestResponse(routed("greet", "marker")).block(WAIT);
        say("count after a round trip: " + (items.isEmpty() ? "nothing more" : "also " + drain(items)));
        say("count waiting");
        String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        if (!"more".equals(line)) {
            throw new IllegalStateException("expected 'more' on stdin but read " + line);
        }
        subscriber.request(3);
        say("count next 3: " + take(items, 3));
        subscriber.cancel();
        say("count cancelled");
    }

    static String take(BlockingQueue<String> items, int n) throws InterruptedException {
        List<String> got = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String item = items.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            if (item == null) {
                throw new IllegalStateException("only " + got + " of " + n + " items within " + WAIT);
            }
            got.add(item);
        }
        return String.join(",", got);
    }

    static String drain(BlockingQueue<String> items) {
        List<String> rest = new ArrayList<>();
        items.drainTo(rest);
        return String.join(",", rest);
    }

    /** A request payload whose metadata is composite metadata with one routing entry, as Interflux reads it. */
    static Payload routed(String route, String data) {
        ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;
        CompositeByteBuf metadata = alloc.compositeBuffer();
        ByteBuf routing = TaggingMetadataCodec.createRoutingMetadata(alloc, List.of(route)).getContent();
        CompositeMetadataCodec.encodeAndAddMetadata(metadata, alloc, WellKnownMimeType.MESSAGE_RSOCKET_ROUTING, routing);
        return ByteBufPayload.create(Unpooled.copiedBuffer(data, StandardCharsets.UTF_8), metadata);
    }
}
