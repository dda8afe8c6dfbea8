package io.interflux.rpc;

import io.interflux.Codec;
import io.interflux.shm.SharedRing;
import io.interflux.socket.SocketClient;
import io.interflux.socket.SocketServer;
import io.interflux.socket.StreamConnection;
import io.interflux.socket.StreamServer;
import io.interflux.rpc.internal.Frame;
import io.interflux.rpc.internal.Frames;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
@DisplayName("RPC connections: setup, keepalive, typed services and other transports")
class RpcConnectionTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private final List<Disposable> opened = new ArrayList<>();

    @AfterEach
    void release() {
        for (int i = opened.size() - 1; i >= 0; i--) {
            opened.get(i).dispose();
        }
    }

    private <R extends Disposable> R keep(R r) {
        opened.add(r);
        return r;
    }

    @Test
    @DisplayName("a peer that goes silent fails every call in flight once the keepalive lifetime passes")
    void silentPeer() {
        Path path = dir.resolve("silent.sock");
        // a server that reads whatever comes and never answers, keepalives included
        keep(SocketServer.unix(path).handle(c -> c.receive().then()).bindNow(WAIT));
        RpcConnection client = keep(Rpc.client().keepAlive(Duration.ofMillis(100), Duration.ofMillis(600))
                .connectNow(SocketRpc.unix(path), WAIT));
        StepVerifier.create(Flux.merge(client.requestResponse("any", Payload.empty()).then(),
                        client.requestStream("any", Payload.empty()).then()))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(RpcException.class)
                        .hasMessageContaining("no frame from the peer").hasMessageContaining("keepalive lifetime of 600 ms")
                        .satisfies(x -> assertThat(((RpcException) x).code()).isEqualTo(RpcException.CONNECTION_ERROR)))
                .verify(WAIT);
        StepVerifier.create(client.onDispose()).verifyComplete();
    }

    @Test
    @DisplayName("keepalives keep a quiet connection alive past the lifetime")
    void keepAlivesKeepItAlive() {
        Path path = dir.resolve("alive.sock");
        keep(Rpc.server(Routes.empty().requestResponse("ping", p -> Mono.just(Payload.of("pong"))))
                .bindNow(SocketRpc.unixServer(path), WAIT));
        RpcConnection client = keep(Rpc.client().keepAlive(Duration.ofMillis(50), Duration.ofMillis(300))
                .connectNow(SocketRpc.unix(path), WAIT));
        StepVerifier.create(Mono.delay(Duration.ofMillis(1200)).then(client.requestResponse("ping", Payload.empty())))
                .assertNext(p -> assertThat(p.dataUtf8()).isEqualTo("pong"))
                .verifyComplete();
        assertThat(client.isDisposed()).isFalse();
    }

    @Test
    @DisplayName("a server refuses a first frame that is not SETUP with INVALID_SETUP and closes the connection")
    void setupFirst() {
        Path path = dir.resolve("strict.sock");
        RpcServer server = keep(Rpc.server(Routes.empty()).bindNow(SocketRpc.unixServer(path), WAIT));
        StreamConnection<byte[]> raw = keep(SocketClient.unix(path).framing(Rpc.framing(0xFF_FFFF)).codec(Codec.bytes())
                .connectNow(WAIT));
        StepVerifier.create(raw.send(Mono.just(Frames.requestN(1, 5))).thenMany(raw.receive()).map(Frame::parse))
                .assertNext(f -> {
                    assertThat(f.type).isEqualTo(Frames.ERROR);
                    assertThat(f.streamId).isZero();
                    assertThat(f.n).isEqualTo(RpcException.INVALID_SETUP);
                    assertThat(f.errorMessage()).isEqualTo("the first frame must be SETUP but it was REQUEST_N");
                })
                .verifyComplete();
        assertThat(server.isDisposed()).as("one bad client does not stop the server").isFalse();
    }

    @Test
    @DisplayName("a client with routes answers its server's calls on the same connection")
    void serverCallsClient() {
        Path path = dir.resolve("both.sock");
        RpcServer server = keep(Rpc.server(Routes.empty()).bindNow(SocketRpc.unixServer(path), WAIT));
        Mono<RpcConnection> first = server.connections().next().cache();
        first.subscribe();
        keep(Rpc.client().routes(Routes.empty().requestResponse("whoami", p -> Mono.just(Payload.of("the client"))))
                .connectNow(SocketRpc.unix(path), WAIT));
        StepVerifier.create(first.flatMap(c -> c.requestResponse("whoami", Payload.empty())).map(Payload::dataUtf8))
                .expectNext("the client")
                .verifyComplete();
    }

    /** A service as a user writes one: records in, records out, a stream and a channel. */
    public interface Catalog {
        record Item(String sku, int stock) {
        }

        Mono<Item> find(String sku);

        Flux<Item> below(Integer stock);

        Flux<String> restock(Flux<Item> deliveries);

        @RpcMethod(fireAndForget = true)
        Mono<Void> touch(String sku);

        @RpcMethod(route = "catalog.size")
        Mono<Integer> size();
    }

    @Test
    @DisplayName("a Java interface is served by an implementation and called through a proxy, in JSON")
    void typedService() {
        AtomicInteger touched = new AtomicInteger();
        List<Catalog.Item> items = List.of(new Catalog.Item("A-1", 3), new Catalog.Item("B-2", 0), new Catalog.Item("C-3", 12));
        Catalog impl = new Catalog() {
            public Mono<Item> find(String sku) {
                return Flux.fromIterable(items).filter(i -> i.sku().equals(sku)).next()
                        .switchIfEmpty(Mono.error(new IllegalArgumentException("no item " + sku)));
            }

            public Flux<Item> below(Integer stock) {
                return Flux.fromIterable(items).filter(i -> i.stock() < stock);
            }

            public Flux<String> restock(Flux<Item> deliveries) {
                return deliveries.map(d -> d.sku() + "+" + d.stock());
            }

            public Mono<Void> touch(String sku) {
                return Mono.fromRunnable(touched::incrementAndGet);
            }

            public Mono<Integer> size() {
                return Mono.just(items.size());
            }
        };
        Path path = dir.resolve("catalog.sock");
        keep(Rpc.server(RpcService.routes(Catalog.class, impl, RpcCodec.json())).bindNow(SocketRpc.unixServer(path), WAIT));
        RpcConnection c = keep(Rpc.client().dataMimeType(RpcCodec.json().mimeType()).connectNow(SocketRpc.unix(path), WAIT));
        Catalog remote = c.service(Catalog.class, RpcCodec.json());

        StepVerifier.create(remote.find("C-3")).expectNext(new Catalog.Item("C-3", 12)).verifyComplete();
        StepVerifier.create(remote.below(5)).expectNext(items.get(0), items.get(1)).verifyComplete();
        StepVerifier.create(remote.restock(Flux.just(new Catalog.Item("A-1", 7), new Catalog.Item("B-2", 1))))
                .expectNext("A-1+7", "B-2+1").verifyComplete();
        StepVerifier.create(remote.size()).expectNext(3).verifyComplete();
        StepVerifier.create(remote.touch("A-1")).verifyComplete();
        StepVerifier.create(remote.find("Z-9"))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(RpcException.class).hasMessageContaining("no item Z-9")
                        .satisfies(x -> assertThat(((RpcException) x).code()).isEqualTo(RpcException.APPLICATION_ERROR)))
                .verify(WAIT);
        // a peer that sends what the argument type cannot be: INVALID, naming the route and the type
        StepVerifier.create(c.requestStream("Catalog.below", Payload.of("\"many\"")))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(RpcException.class)
                        .hasMessageContaining("route 'Catalog.below' cannot decode its argument")
                        .satisfies(x -> assertThat(((RpcException) x).code()).isEqualTo(RpcException.INVALID)))
                .verify(WAIT);
        assertThat(remote.toString()).startsWith("Catalog over RPC connection");
    }

    @Test
    @DisplayName("an interface method that cannot travel is refused when the proxy is made, naming it")
    void badInterface() {
        interface TwoArgs {
            Mono<String> join(String a, String b);
        }
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> RpcService.routes(TwoArgs.class, (a, b) -> Mono.just(a + b), RpcCodec.json()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("TwoArgs.join takes 2 arguments");
    }

    @Test
    @DisplayName("RPC runs over a pair of shared-memory rings, one frame per record")
    void overRings() {
        String base = "/ifx-rpc-" + UUID.randomUUID().toString().substring(0, 8);
        var requests = SharedRing.named(base + "-req").capacity(64 * 1024);
        var responses = SharedRing.named(base + "-resp").capacity(64 * 1024);
        RpcServer server = keep(Rpc.server(Routes.empty()
                        .requestResponse("greet", p -> Mono.just(Payload.of("hello " + p.dataUtf8())))
                        .requestStream("count", p -> Flux.range(1, 500).map(i -> Payload.of("" + i))))
                .bindNow(RingRpc.serve(requests, responses), WAIT));
        RpcConnection c = keep(Rpc.client().connectNow(RingRpc.connect(requests, responses), WAIT));
        StepVerifier.create(c.requestResponse("greet", Payload.of("rings")).map(Payload::dataUtf8))
                .expectNext("hello rings").verifyComplete();
        StepVerifier.create(c.requestStream("count", Payload.empty()), 0)
                .thenRequest(10).expectNextCount(10)
                .thenRequest(Long.MAX_VALUE).expectNextCount(490)
                .verifyComplete();
        c.disposeNow(WAIT);
        server.disposeNow(WAIT); // both rings released: the last one out removes them
        assertThat(Files.exists(Path.of("/dev/shm" + base + "-req"))).isFalse();
        assertThat(Files.exists(Path.of("/dev/shm" + base + "-resp"))).isFalse();
    }

    @Test
    @DisplayName("fire-and-forget handlers still running count against maxStreams: a peer cannot flood a server with them")
    void fireAndForgetIsBounded() {
        Path path = dir.resolve("fnf.sock");
        reactor.core.publisher.Sinks.Empty<Void> release = reactor.core.publisher.Sinks.empty();
        AtomicInteger started = new AtomicInteger();
        keep(Rpc.server(Routes.empty()
                        .fireAndForget("slow", p -> Mono.fromRunnable(started::incrementAndGet).then(release.asMono()))
                        .requestResponse("ping", p -> Mono.just(Payload.of("pong"))))
                .maxStreams(2).bindNow(SocketRpc.unixServer(path), WAIT));
        RpcConnection c = keep(Rpc.client().connectNow(SocketRpc.unix(path), WAIT));
        StepVerifier.create(c.fireAndForget("slow", Payload.empty()).then(c.fireAndForget("slow", Payload.empty()))
                        .then(c.requestResponse("ping", Payload.empty())))
                .expectErrorSatisfies(e -> assertThat(((RpcException) e).code()).isEqualTo(RpcException.REJECTED))
                .verify(WAIT);
        assertThat(started).hasValue(2);
        release.tryEmitEmpty();
        StepVerifier.create(Mono.defer(() -> c.requestResponse("ping", Payload.empty()))
                        .retryWhen(reactor.util.retry.Retry.fixedDelay(50, Duration.ofMillis(20))
                                .filter(e -> e instanceof RpcException && ((RpcException) e).code() == RpcException.REJECTED))
                        .map(Payload::dataUtf8))
                .expectNext("pong").verifyComplete();
    }

    @Test
    @DisplayName("RPC runs over TCP on loopback, the port chosen by the system")
    void overTcp() {
        RpcServer server = keep(Rpc.server(Routes.empty().requestStream("count",
                        p -> Flux.range(1, 3).map(i -> Payload.of("" + i))))
                .bindNow(SocketRpc.tcpServer("127.0.0.1", 0), WAIT));
        int port = ((java.net.InetSocketAddress) server.address()).getPort();
        RpcConnection c = keep(Rpc.client().connectNow(SocketRpc.tcp("127.0.0.1", port), WAIT));
        StepVerifier.create(c.requestStream("count", Payload.empty()).map(Payload::dataUtf8))
                .expectNext("1", "2", "3").verifyComplete();
    }

    @Test
    @DisplayName("a frame from the peer over this side's limit fails every call with the framing's error, naming the limit")
    void inboundOversize() {
        Path path = dir.resolve("big.sock");
        keep(Rpc.server(Routes.empty().requestResponse("big", p -> Mono.just(Payload.of(new byte[2000]))))
                .bindNow(SocketRpc.unixServer(path), WAIT));
        RpcConnection c = keep(Rpc.client().maxFrameSize(1024).connectNow(SocketRpc.unix(path), WAIT));
        StepVerifier.create(c.requestResponse("big", Payload.empty()))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(io.interflux.FrameTooLargeException.class)
                        .hasMessageContaining("limit=1024"))
                .verify(WAIT);
        StepVerifier.create(c.onDispose()).verifyComplete();
    }

    @Test
    @DisplayName("a client's calls all fail at once when its server process's socket goes away")
    void serverDisposed() {
        Path path = dir.resolve("gone.sock");
        StreamServer<byte[]> raw = keep(SocketServer.unix(path).handle(c -> c.receive().then()).bindNow(WAIT));
        RpcConnection c = keep(Rpc.client().connectNow(SocketRpc.unix(path), WAIT));
        StepVerifier.create(c.requestResponse("x", Payload.empty()))
                .then(raw::dispose)
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(RpcException.class).hasMessageContaining("closed by the peer"))
                .verify(WAIT);
    }
}
