package io.interflux.it.rpc;

import io.interflux.it.support.ChildLines;
import io.interflux.it.support.Eventually;
import io.interflux.it.support.OsResources;
import io.interflux.pipe.ChildProcess;
import io.interflux.rpc.Payload;
import io.interflux.rpc.Rpc;
import io.interflux.rpc.RpcConnection;
import io.interflux.rpc.RpcException;
import io.interflux.rpc.SocketRpc;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;
import reactor.test.subscriber.TestSubscriber;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An Interflux client calling an rsocket-java 1.1.5 server ({@code TcpServerTransport}, in a JVM
 * of its own with its own Netty and Reactor) over TCP on the loopback: every interaction, with
 * routes in composite metadata. The server prints what its handlers see, demand included, so the
 * tests check what crossed the wire from its side too.
 */
@Timeout(60)
@DisplayName("An Interflux client of an rsocket-java server over TCP")
class RsocketJavaServerIT {

    static final Duration WAIT = Duration.ofSeconds(20);

    @RegisterExtension
    final OsResources os = new OsResources();

    ChildProcess peer;
    ChildLines lines;
    RpcConnection client;

    @BeforeEach
    void connect() throws Exception {
        peer = os.track(RsocketJavaPeer.server().start().block(WAIT));
        lines = os.track(new ChildLines(peer));
        String first = lines.next(WAIT);
        assertThat(first).as("the peer's first line; stderr: %s", peer.capturedStderr()).startsWith("listening ");
        int port = Integer.parseInt(first.substring("listening ".length()));
        client = os.track(Rpc.client().connectNow(SocketRpc.tcp("127.0.0.1", port), WAIT));
    }

    /** The peer's next {@code n} lines. */
    List<String> next(int n) throws InterruptedException {
        List<String> got = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            got.add(lines.next(WAIT));
        }
        return got;
    }

    @Test
    @DisplayName("request/response: nothing is sent before demand, then the route and data reach rsocket-java and its answer comes back")
    void requestResponse() throws Exception {
        StepVerifier.create(client.requestResponse("greet", Payload.of("Ada")).map(Payload::dataUtf8), 0)
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(100))
                .thenRequest(1)
                .expectNext("hello Ada")
                .expectComplete()
                .verify(WAIT);
        assertThat(lines.next(WAIT)).isEqualTo("greet Ada");
    }

    @Test
    @DisplayName("fire-and-forget: the payload reaches rsocket-java's handler on its route")
    void fireAndForget() throws Exception {
        StepVerifier.create(client.fireAndForget("log", Payload.of("from Interflux"))).expectComplete().verify(WAIT);
        assertThat(lines.next(WAIT)).isEqualTo("fireAndForget log from Interflux");
    }

    @Test
    @DisplayName("request/stream: 5 requested, rsocket-java is asked for and produces exactly 5, until 3 more are requested; a cancel reaches it")
    void streamDemand() throws Exception {
        TestSubscriber<String> numbers = TestSubscriber.<String>builder().initialRequest(0).build();
        client.requestStream("count", Payload.of("1000")).map(Payload::dataUtf8).subscribe(numbers);

        numbers.request(5);
        Eventually.holds(WAIT, () -> "5 numbers, got " + numbers.getReceivedOnNext(), () -> numbers.getReceivedOnNext().size() >= 5);
        // the producer runs on the connection's event loop at each request: once a later call on the
        // same connection has been answered, anything a larger request-n released has been printed
        StepVerifier.create(client.requestResponse("greet", Payload.of("marker")).map(Payload::dataUtf8))
                .expectNext("hello marker").expectComplete().verify(WAIT);
        assertThat(next(7)).as("the peer's lines up to the next call").containsExactly(
                "count requested 5",
                "count produced 1", "count produced 2", "count produced 3", "count produced 4", "count produced 5",
                "greet marker");
        assertThat(numbers.getReceivedOnNext()).containsExactly("1", "2", "3", "4", "5");

        numbers.request(3);
        Eventually.holds(WAIT, () -> "8 numbers, got " + numbers.getReceivedOnNext(), () -> numbers.getReceivedOnNext().size() >= 8);
        numbers.cancel();
        assertThat(next(5)).containsExactly("count requested 3", "count produced 6", "count produced 7", "count produced 8",
                "count cancelled");
        assertThat(numbers.getReceivedOnNext()).containsExactly("1", "2", "3", "4", "5", "6", "7", "8");
        assertThat(numbers.isTerminated()).as("terminated after a cancel").isFalse();
    }

    @Test
    @DisplayName("request/stream: under unbounded demand 1,000 numbers arrive in order and the stream completes")
    void wholeStream() throws Exception {
        List<String> expected = IntStream.rangeClosed(1, 1000).mapToObj(Integer::toString).collect(Collectors.toList());
        StepVerifier.create(client.requestStream("count", Payload.of("1000")).map(Payload::dataUtf8))
                .expectNextSequence(expected)
                .expectComplete()
                .verify(WAIT);
        assertThat(lines.awaitStartingWith("count completed", WAIT)).isEqualTo("count completed");
    }

    @Test
    @DisplayName("request/channel: each payload reaches rsocket-java as its demand allows, each answer comes as ours does, and our completion reaches it")
    void channel() throws Exception {
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
                .expectComplete()
                .verify(WAIT);
        assertThat(next(4)).containsExactly("upper got a", "upper got b", "upper got c", "upper inbound completed");
    }

    @Test
    @DisplayName("an rsocket-java handler's error arrives as an RpcException of code APPLICATION_ERROR with its message")
    void remoteError() {
        StepVerifier.create(client.requestResponse("fail", Payload.of("cake")))
                .expectErrorSatisfies(e -> {
                    assertThat(e).isInstanceOf(RpcException.class).hasMessageContaining("no cake today");
                    assertThat(((RpcException) e).code()).isEqualTo(RpcException.APPLICATION_ERROR);
                    assertThat(((RpcException) e).remoteMessage()).isEqualTo("no cake today");
                })
                .verify(WAIT);
        // the connection goes on
        StepVerifier.create(client.requestResponse("greet", Payload.of("again")).map(Payload::dataUtf8))
                .expectNext("hello again").expectComplete().verify(WAIT);
    }
}
