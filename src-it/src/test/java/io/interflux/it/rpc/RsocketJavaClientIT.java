package io.interflux.it.rpc;

import io.interflux.it.support.ChildLines;
import io.interflux.it.support.Eventually;
import io.interflux.it.support.OsResources;
import io.interflux.pipe.ChildProcess;
import io.interflux.rpc.Payload;
import io.interflux.rpc.Routes;
import io.interflux.rpc.Rpc;
import io.interflux.rpc.RpcServer;
import io.interflux.rpc.SocketRpc;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An rsocket-java 1.1.5 client ({@code RSocketConnector} on {@code TcpClientTransport}, in a JVM of
 * its own with its own Netty and Reactor) calling an Interflux server over TCP on the loopback:
 * every interaction, with routes in composite metadata. Each test runs one scenario of the peer,
 * reads the results it prints and checks what this side's handlers saw.
 */
@Timeout(60)
@DisplayName("An rsocket-java client of an Interflux server over TCP")
class RsocketJavaClientIT {

    static final Duration WAIT = Duration.ofSeconds(20);

    @RegisterExtension
    final OsResources os = new OsResources();

    /** What the stream handler was asked for, request by request. */
    final List<Long> streamRequests = new CopyOnWriteArrayList<>();
    final AtomicInteger produced = new AtomicInteger();
    final AtomicBoolean streamCancelled = new AtomicBoolean();
    final Sinks.Many<String> fired = Sinks.many().replay().all();
    final List<String> channelIn = new CopyOnWriteArrayList<>();

    int port;
    ChildProcess peer;
    ChildLines lines;

    @BeforeEach
    void bind() {
        Routes routes = Routes.empty()
                .requestResponse("greet", p -> Mono.just(Payload.of("hello " + p.dataUtf8())))
                .requestResponse("fail", p -> Mono.error(new IllegalStateException("no " + p.dataUtf8() + " today")))
                .fireAndForget("log", p -> {
                    fired.tryEmitNext(p.dataUtf8());
                    return Mono.empty();
                })
                .requestStream("count", p -> Flux.range(1, Integer.parseInt(p.dataUtf8()))
                        .doOnRequest(streamRequests::add)
                        .doOnNext(i -> produced.incrementAndGet())
                        .doOnCancel(() -> streamCancelled.set(true))
                        .map(i -> Payload.of(Integer.toString(i))))
                .requestChannel("upper", in -> in.map(p -> {
                    channelIn.add(p.dataUtf8());
                    return Payload.of(p.dataUtf8().toUpperCase());
                }));
        RpcServer server = os.track(Rpc.server(routes).bindNow(SocketRpc.tcpServer("127.0.0.1", 0), WAIT));
        port = ((InetSocketAddress) server.address()).getPort();
        assertThat(port).as("the port %s chose", server).isPositive();
    }

    /** All the demand the stream handler has seen. */
    long requested() {
        return streamRequests.stream().mapToLong(Long::longValue).sum();
    }

    /** Starts the peer on {@code scenario}; its lines are read from {@link #lines}. */
    void start(String scenario) {
        peer = os.track(RsocketJavaPeer.client(port, scenario).start().block(WAIT));
        lines = os.track(new ChildLines(peer));
    }

    /** The peer's next {@code n} lines, failing at once when it fails or ends. */
    List<String> next(int n) throws InterruptedException {
        List<String> got = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String line = lines.next(WAIT);
            got.add(line);
            if (line.startsWith("FAILED") || line.equals("<eof>")) {
                throw new AssertionError("the peer failed after " + got + "; stderr: " + peer.capturedStderr());
            }
        }
        return got;
    }

    /** Expects the peer's last line, the end of its output and its exit status 0. */
    void expectDone() throws Exception {
        assertThat(next(1)).containsExactly("done");
        assertThat(lines.next(WAIT)).isEqualTo("<eof>");
        assertThat(peer.exit().block(WAIT)).as("the peer's exit status; stderr: %s", peer.capturedStderr()).isZero();
    }

    @Test
    @DisplayName("request/response: rsocket-java's route and data reach the Interflux handler and its answer goes back")
    void requestResponse() throws Exception {
        start("greet");
        assertThat(next(2)).containsExactly("connected", "greet answered hello Ada");
        expectDone();
    }

    @Test
    @DisplayName("fire-and-forget: rsocket-java's payload reaches the Interflux handler on its route")
    void fireAndForget() throws Exception {
        start("log");
        assertThat(next(2)).containsExactly("connected", "log sent");
        StepVerifier.create(fired.asFlux().take(1)).expectNext("from rsocket-java").expectComplete().verify(WAIT);
        expectDone();
    }

    @Test
    @DisplayName("request/stream: rsocket-java requests 5, the Interflux producer is asked for and produces exactly 5 until 3 more are requested; a cancel reaches it")
    void streamDemand() throws Exception {
        start("count");
        assertThat(next(4)).containsExactly("connected",
                "count first 5: 1,2,3,4,5",
                "count after a round trip: nothing more",
                "count waiting");
        // the peer waits for our word: the producer has been asked for 5 and made 5, no more
        assertThat(requested()).as("demand the producer saw: %s", streamRequests).isEqualTo(5);
        assertThat(produced).as("numbers produced with 5 requested").hasValue(5);

        peer.send(Flux.just("more\n".getBytes(StandardCharsets.UTF_8))).block(WAIT);
        assertThat(next(2)).containsExactly("count next 3: 6,7,8", "count cancelled");
        Eventually.holds(WAIT, () -> "the producer cancelled", streamCancelled::get);
        assertThat(requested()).as("demand the producer saw: %s", streamRequests).isEqualTo(8);
        assertThat(produced).hasValue(8);
        expectDone();
    }

    @Test
    @DisplayName("request/channel: rsocket-java's three payloads reach the Interflux handler and come back upper-cased")
    void channel() throws Exception {
        start("upper");
        assertThat(next(2)).containsExactly("connected", "upper answered A,B,C");
        assertThat(channelIn).containsExactly("a", "b", "c");
        expectDone();
    }

    @Test
    @DisplayName("an Interflux handler's error arrives at rsocket-java as an ApplicationErrorException with its message")
    void remoteError() throws Exception {
        start("fail");
        assertThat(next(2)).containsExactly("connected",
                "fail failed io.rsocket.exceptions.ApplicationErrorException: no cake today");
        expectDone();
    }
}
