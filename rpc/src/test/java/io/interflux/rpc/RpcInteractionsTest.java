package io.interflux.rpc;

import io.interflux.FrameTooLargeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
@DisplayName("RPC interactions over a Unix socket")
class RpcInteractionsTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    /** What the server's stream handler was asked for, request by request, as the handler saw it. */
    private final List<Long> streamRequests = new CopyOnWriteArrayList<>();
    private final AtomicLong produced = new AtomicLong();
    private final AtomicBoolean streamCancelled = new AtomicBoolean();
    private final List<String> fired = new CopyOnWriteArrayList<>();
    private final Sinks.Many<String> firedSignal = Sinks.many().replay().all();

    private final AtomicLong channelsOpened = new AtomicLong();
    private final List<Long> channelInboundRequests = new CopyOnWriteArrayList<>();
    private final AtomicBoolean channelCancelled = new AtomicBoolean();

    private RpcServer server;
    private RpcConnection client;

    @BeforeEach
    void connect() {
        Routes routes = Routes.empty()
                .requestResponse("greet", p -> Mono.just(Payload.of("hello " + p.dataUtf8())))
                .requestResponse("nothing", p -> Mono.empty())
                .requestResponse("fail", p -> Mono.error(new IllegalStateException("no " + p.dataUtf8() + " today")))
                .requestResponse("throw", p -> {
                    throw new IllegalArgumentException("thrown, not returned");
                })
                .fireAndForget("log", p -> {
                    fired.add(p.dataUtf8());
                    firedSignal.tryEmitNext(p.dataUtf8());
                    return Mono.empty();
                })
                .requestStream("count", p -> Flux.range(1, Integer.parseInt(p.dataUtf8()))
                        .doOnRequest(streamRequests::add)
                        .doOnNext(i -> produced.incrementAndGet())
                        .doOnCancel(() -> streamCancelled.set(true))
                        .map(i -> Payload.of(Integer.toString(i))))
                .requestChannel("upper", in -> {
                    channelsOpened.incrementAndGet();
                    return in.doOnRequest(channelInboundRequests::add).map(p -> Payload.of(p.dataUtf8().toUpperCase()))
                            .doOnCancel(() -> channelCancelled.set(true));
                })
                .requestChannel("firstTwo", in -> in.take(2).map(p -> Payload.of("got " + p.dataUtf8())))
                .requestResponse("big", p -> Mono.just(Payload.of(new byte[Integer.parseInt(p.dataUtf8())])));
        Path socket = dir.resolve("rpc.sock");
        server = Rpc.server(routes).maxFrameSize(64 * 1024).bindNow(SocketRpc.unixServer(socket), WAIT);
        client = Rpc.client().maxFrameSize(64 * 1024).connectNow(SocketRpc.unix(socket), WAIT);
    }

    @AfterEach
    void close() {
        if (client != null) {
            client.disposeNow(WAIT);
        }
        if (server != null) {
            server.disposeNow(WAIT);
        }
    }

    @Test
    @DisplayName("a request/response sends nothing before demand, then answers once")
    void requestResponse() {
        StepVerifier.create(client.requestResponse("greet", Payload.of("Ada")).map(Payload::dataUtf8), 0)
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(100))
                .thenRequest(1)
                .expectNext("hello Ada")
                .verifyComplete();
        StepVerifier.create(client.requestResponse("nothing", Payload.empty())).verifyComplete();
    }

    @Test
    @DisplayName("a remote error arrives with its code and message, whether returned or thrown")
    void remoteErrors() {
        StepVerifier.create(client.requestResponse("fail", Payload.of("cake")))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(RpcException.class)
                        .hasMessageContaining("route 'fail'").hasMessageContaining("APPLICATION_ERROR: no cake today")
                        .satisfies(x -> assertThat(((RpcException) x).code()).isEqualTo(RpcException.APPLICATION_ERROR))
                        .satisfies(x -> assertThat(((RpcException) x).remoteMessage()).isEqualTo("no cake today")))
                .verify(WAIT);
        StepVerifier.create(client.requestResponse("throw", Payload.empty()))
                .expectErrorSatisfies(e -> assertThat(((RpcException) e).remoteMessage()).isEqualTo("thrown, not returned"))
                .verify(WAIT);
    }

    @Test
    @DisplayName("an unknown route and a route of another interaction are refused as INVALID, naming them")
    void unknownRoute() {
        StepVerifier.create(client.requestResponse("nope", Payload.empty()))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(RpcException.class)
                        .hasMessageContaining("no route 'nope'").hasMessageContaining("greet")
                        .satisfies(x -> assertThat(((RpcException) x).code()).isEqualTo(RpcException.INVALID)))
                .verify(WAIT);
        StepVerifier.create(client.requestStream("greet", Payload.empty()))
                .expectErrorSatisfies(e -> assertThat(e).hasMessageContaining("answers REQUEST_RESPONSE, not REQUEST_STREAM"))
                .verify(WAIT);
    }

    @Test
    @DisplayName("fire-and-forget reaches the remote handler")
    void fireAndForget() {
        StepVerifier.create(client.fireAndForget("log", Payload.of("started"))).verifyComplete();
        StepVerifier.create(firedSignal.asFlux().take(1)).expectNext("started").verifyComplete();
        assertThat(fired).containsExactly("started");
    }

    @Test
    @DisplayName("a request/stream carries the subscriber's demand to the remote producer: 5 requested, exactly 5 produced")
    void streamDemandCrossesTheWire() {
        StepVerifier.create(client.requestStream("count", Payload.of("1000")).map(Payload::dataUtf8), 0)
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(100))
                .then(() -> assertThat(produced).hasValue(0))
                .thenRequest(5)
                .expectNext("1", "2", "3", "4", "5")
                .expectNoEvent(Duration.ofMillis(200))
                .then(() -> assertThat(produced).as("produced with 5 requested").hasValue(5))
                .thenRequest(3)
                .expectNext("6", "7", "8")
                .thenCancel()
                .verify(WAIT);
        assertThat(streamRequests.stream().mapToLong(Long::longValue).sum()).isEqualTo(8);
        awaitTrue(streamCancelled, "the remote producer was cancelled");
        assertThat(produced).hasValue(8);
    }

    @Test
    @DisplayName("a whole stream arrives in order under unbounded demand")
    void wholeStream() {
        List<String> expected = IntStream.rangeClosed(1, 20_000).mapToObj(Integer::toString).collect(Collectors.toList());
        StepVerifier.create(client.requestStream("count", Payload.of("20000")).map(Payload::dataUtf8))
                .expectNextSequence(expected)
                .verifyComplete();
    }

    @Test
    @DisplayName("a channel carries a stream each way, each following its own demand")
    void channel() {
        Sinks.Many<Payload> out = Sinks.many().unicast().onBackpressureBuffer();
        StepVerifier.create(client.requestChannel("upper", out.asFlux()).map(Payload::dataUtf8), 0)
                .then(() -> out.tryEmitNext(Payload.of("a")))
                .thenRequest(1)
                .expectNext("A")
                .then(() -> {
                    out.tryEmitNext(Payload.of("b"));
                    out.tryEmitNext(Payload.of("c"));
                })
                .thenRequest(2)
                .expectNext("B", "C")
                .then(out::tryEmitComplete)
                .verifyComplete();
    }

    @Test
    @DisplayName("a channel opens nothing before demand, takes the caller's payloads only as the handler asks, and a cancel reaches the handler")
    void channelDemandAndCancel() {
        AtomicLong taken = new AtomicLong();
        Flux<Payload> words = Flux.range(0, 1000).map(i -> Payload.of("w" + i)).doOnNext(p -> taken.incrementAndGet());
        StepVerifier.create(client.requestChannel("upper", words).map(Payload::dataUtf8), 0)
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(100))
                .then(() -> {
                    assertThat(channelsOpened).as("channels opened with no demand").hasValue(0);
                    assertThat(taken).as("payloads taken with no demand").hasValue(0);
                })
                .thenRequest(3)
                .expectNext("W0", "W1", "W2")
                .expectNoEvent(Duration.ofMillis(200))
                .then(() -> assertThat(taken).as("taken with 3 answers requested: the handler's map asks 1:1, and "
                        + "the caller holds at most the window of 32 ahead").hasValueBetween(3L, 3L + 32))
                .thenCancel()
                .verify(WAIT);
        awaitTrue(channelCancelled, "the handler's side of the channel was cancelled");
        assertThat(channelsOpened).hasValue(1);
    }

    @Test
    @DisplayName("a channel handler that stops taking the caller's stream cancels it in the caller's process")
    void responderCancelsTheCallersStream() {
        AtomicBoolean callerCancelled = new AtomicBoolean();
        Flux<Payload> endless = Flux.range(0, 1_000_000).map(i -> Payload.of(Integer.toString(i)))
                .doOnCancel(() -> callerCancelled.set(true));
        StepVerifier.create(client.requestChannel("firstTwo", endless).map(Payload::dataUtf8))
                .expectNext("got 0", "got 1")
                .verifyComplete();
        awaitTrue(callerCancelled, "the caller's stream was cancelled by the handler's CANCEL");
    }

    @Test
    @DisplayName("many calls share one connection at once")
    void concurrentCalls() {
        StepVerifier.create(Flux.range(0, 1000)
                        .flatMap(i -> client.requestResponse("greet", Payload.of("n" + i)).map(Payload::dataUtf8), 1000)
                        .collectList())
                .assertNext(answers -> assertThat(answers).hasSize(1000).contains("hello n0", "hello n999")
                        .doesNotHaveDuplicates())
                .verifyComplete();
    }

    @Test
    @DisplayName("a payload over the frame limit fails its call naming the limit, and the connection goes on")
    void oversize() {
        StepVerifier.create(client.requestResponse("greet", Payload.of(new byte[70 * 1024])))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(FrameTooLargeException.class).hasMessageContaining("limit=65536"))
                .verify(WAIT);
        StepVerifier.create(client.requestResponse("big", Payload.of("70000")))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(RpcException.class).hasMessageContaining("exceeds the frame limit of 65536"))
                .verify(WAIT);
        StepVerifier.create(client.requestResponse("greet", Payload.of("again")).map(Payload::dataUtf8))
                .expectNext("hello again").verifyComplete();
    }

    @Test
    @DisplayName("closing the server fails every call in flight with CONNECTION_CLOSE")
    void serverGone() {
        StepVerifier.create(client.requestStream("count", Payload.of("1000000")), 1)
                .expectNextCount(1)
                .then(() -> server.dispose())
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(RpcException.class).hasMessageContaining("closed"))
                .verify(WAIT);
        StepVerifier.create(client.onDispose()).verifyComplete();
        StepVerifier.create(client.requestResponse("greet", Payload.empty()))
                .expectError(RpcException.class).verify(WAIT);
    }

    static void awaitTrue(AtomicBoolean flag, String what) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!flag.get()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.onSpinWait();
        }
    }
}
