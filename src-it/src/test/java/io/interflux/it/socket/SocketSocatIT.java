package io.interflux.it.socket;

import io.interflux.Codec;
import io.interflux.Framing;
import io.interflux.it.support.CProgram;
import io.interflux.it.support.OsResources;
import io.interflux.pipe.ChildProcess;
import io.interflux.pipe.Stdio;
import io.interflux.socket.SocketClient;
import io.interflux.socket.SocketServer;
import io.interflux.socket.StreamConnection;
import io.interflux.socket.StreamServer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedTransferQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code socat} on the other end of a TCP or Unix stream socket, as client
 * ({@code TCP:}, {@code UNIX-CONNECT:}) and as server ({@code TCP-LISTEN:}, {@code UNIX-LISTEN:}),
 * relaying its stdin and stdout: lines written by a program that knows nothing of Interflux
 * arrive intact, and so do Interflux's lines at socat's stdout, both ways on one connection.
 *
 * <p>socat ends a connection the Unix way: at the end of its stdin it shuts down its writing side
 * ({@code -t 10}: then waits up to 10 s for the other side to finish). Each test closes socat's
 * stdin only once both sides have all the other's lines, and checks socat's exit status.
 */
@Timeout(60)
@DisplayName("socat as the peer of a stream socket")
class SocketSocatIT {

    static final Duration WAIT = Duration.ofSeconds(20);

    @RegisterExtension
    final OsResources os = new OsResources();

    @TempDir
    Path dir;

    @BeforeEach
    void assumeSocat() {
        assumeTrue(CProgram.onPath("socat"), "socat is not installed");
    }

    /**
     * 300 lines from {@code who}: numbered, with UTF-8 text, tabs, an empty line and one of 60,000
     * bytes (more than any single read, less than the 64 KiB line limit).
     */
    static List<String> lines(String who) {
        return IntStream.range(0, 300).mapToObj(i -> {
            if (i == 100) {
                return "";
            }
            if (i == 200) {
                return who + " long " + "0123456789".repeat(6_000);
            }
            return who + " line " + i + "\tnaïve café ✓ 日本語 " + "x".repeat(i);
        }).collect(Collectors.toList());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"tcp", "unix"})
    @DisplayName("socat connecting to an Interflux server: lines flow both ways, intact and in order")
    void socatAsClient(String kind) {
        List<String> fromSocat = lines("socat");
        List<String> fromInterflux = lines("interflux");
        List<String> received = new CopyOnWriteArrayList<>();
        Path path = dir.resolve("server.sock");
        StreamServer<String> server = os.track((kind.equals("unix") ? SocketServer.unix(path) : SocketServer.tcp("127.0.0.1", 0))
                .codec(Codec.utf8())
                // the connection closes when both are done: our lines sent, socat's read to their end
                .handle(c -> Mono.when(c.send(Flux.fromIterable(fromInterflux)),
                        c.receive().doOnNext(received::add).then()))
                .bindNow(WAIT));
        String address = kind.equals("unix") ? "UNIX-CONNECT:" + path : "TCP:127.0.0.1:" + server.port();
        ChildProcess socat = os.track(ChildProcess.command("socat", "-t", "10", "STDIO", address).start().block(WAIT));
        Flux<String> stdout = socat.stdout(Framing.lines(), Codec.utf8()).cache();

        // socat's stdin ends once all our lines are at its stdout: socat then half-closes, and a
        // peer's end of stream closes the whole Interflux connection (Netty's default, no half-closure),
        // which would cut a send still under way (see SocketEndOfStreamIT): not what this test is about
        socat.send(Flux.fromIterable(fromSocat), Framing.lines(), Codec.utf8())
                .then(stdout.take(fromInterflux.size()).then())
                .then(socat.closeStdin())
                .block(WAIT);

        assertThat(socat.exit().block(WAIT)).as("socat's exit status; stderr: %s", socat.capturedStderr()).isZero();
        assertThat(stdout.collectList().block(WAIT)).as("lines socat printed").containsExactlyElementsOf(fromInterflux);
        // socat exits once the server closed, which it does after the end of socat's lines
        assertThat(received).as("lines the server received").containsExactlyElementsOf(fromSocat);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"tcp", "unix"})
    @DisplayName("an Interflux client connecting to socat listening: lines flow both ways, intact and in order")
    void socatAsServer(String kind) throws Exception {
        List<String> fromSocat = lines("socat");
        List<String> fromInterflux = lines("interflux");
        Path path = dir.resolve("socat.sock");
        String listen = kind.equals("unix") ? "UNIX-LISTEN:" + path : "TCP-LISTEN:0,bind=127.0.0.1";
        // -d -d: socat logs "listening on AF=2 127.0.0.1:PORT" once it listens, so no port is guessed
        ChildProcess socat = os.track(ChildProcess.command("socat", "-d", "-d", "-t", "10", listen, "STDIO")
                .stderr(Stdio.pipe()).start().block(WAIT));
        BlockingQueue<String> log = new LinkedTransferQueue<>();
        // read to the end, so socat never blocks on its log
        os.track(socat.stderr(Framing.lines(), Codec.utf8()).subscribe(log::add, e -> log.add("<error " + e + ">")));
        String listening = awaitLine(log, "listening on");
        Flux<String> stdout = socat.stdout(Framing.lines(), Codec.utf8()).cache();

        StreamConnection<String> client = os.track((kind.equals("unix") ? SocketClient.unix(path)
                : SocketClient.tcp("127.0.0.1", Integer.parseInt(listening.substring(listening.lastIndexOf(':') + 1))))
                .codec(Codec.utf8()).connectNow(WAIT));
        // cached, so the take does not cancel the receive (and the connection) while our lines go out
        Mono<List<String>> atClient = client.receive().cache().take(fromSocat.size()).collectList();
        Mono<List<String>> atSocat = stdout.take(fromInterflux.size()).collectList();
        Mono<Void> sent = Mono.when(client.send(Flux.fromIterable(fromInterflux)),
                socat.send(Flux.fromIterable(fromSocat), Framing.lines(), Codec.utf8()));
        var both = Mono.zip(sent.thenReturn(true), atClient, atSocat).block(WAIT);

        assertThat(both.getT2()).as("lines the client received").containsExactlyElementsOf(fromSocat);
        assertThat(both.getT3()).as("lines socat printed").containsExactlyElementsOf(fromInterflux);
        socat.closeStdin().block(WAIT);
        client.dispose();
        assertThat(socat.exit().block(WAIT)).as("socat's exit status; log: %s", log).isZero();
        assertThat(stdout.collectList().block(WAIT)).as("all socat printed").containsExactlyElementsOf(fromInterflux);
    }

    private static String awaitLine(BlockingQueue<String> log, String fragment) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        for (;;) {
            String line = log.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (line == null) {
                throw new AssertionError("socat did not log '" + fragment + "' within " + WAIT);
            }
            if (line.contains(fragment)) {
                return line;
            }
        }
    }
}
