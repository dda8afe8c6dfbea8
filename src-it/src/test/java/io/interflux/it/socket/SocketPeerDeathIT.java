package io.interflux.it.socket;

import io.interflux.Framing;
import io.interflux.TruncatedFrameException;
import io.interflux.UnixSignal;
import io.interflux.it.support.CProgram;
import io.interflux.it.support.ChildLines;
import io.interflux.it.support.Eventually;
import io.interflux.it.support.OsResources;
import io.interflux.pipe.ChildProcess;
import io.interflux.socket.SocketClient;
import io.interflux.socket.SocketServer;
import io.interflux.socket.StreamClientSpec;
import io.interflux.socket.StreamConnection;
import io.interflux.socket.StreamServer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A Python 3 client killed with {@code SIGKILL} in the middle of a stream of length-prefixed
 * frames: the server's receive ends, with completion or an error but never a hang, and the server
 * goes on accepting connections.
 */
@Timeout(60)
@DisplayName("A socket peer killed with SIGKILL mid-stream")
class SocketPeerDeathIT {

    static final Duration WAIT = Duration.ofSeconds(20);
    /** How long the receive may take to end once the peer is dead. */
    static final Duration END_BOUND = Duration.ofSeconds(10);
    static final int KILLED = 128 + 9;

    /**
     * {@code KIND ADDRESS flood}: writes 32-byte frames as fast as it can until killed.
     * {@code KIND ADDRESS partial}: writes three frames and the first 10 bytes of a 1000-byte one,
     * prints {@code partial}, and waits to be killed (or for its stdin to end).
     */
    static final String PEER = String.join("\n",
            "import socket, struct, sys",
            "kind, address, mode = sys.argv[1], sys.argv[2], sys.argv[3]",
            "if kind == 'tcp':",
            "    host, port = address.rsplit(':', 1)",
            "    s = socket.create_connection((host, int(port)))",
            "else:",
            "    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)",
            "    s.connect(address)",
            "print('connected', flush=True)",
            "if mode == 'flood':",
            "    chunk = (struct.pack('>I', 32) + bytes(32)) * 2048",
            "    while True:",
            "        s.sendall(chunk)",
            "for p in (b'one', b'two', b'three'):",
            "    s.sendall(struct.pack('>I', len(p)) + p)",
            "s.sendall(struct.pack('>I', 1000) + b'x' * 10)",
            "print('partial', flush=True)",
            "sys.stdin.read()",
            "");

    @RegisterExtension
    final OsResources os = new OsResources();

    @TempDir
    Path dir;

    Path script;

    @BeforeEach
    void writePeer() throws IOException {
        assumeTrue(CProgram.onPath("python3"), "python3 is not installed");
        script = Files.writeString(dir.resolve("dying_peer.py"), PEER);
    }

    private StreamServer<byte[]> server(String kind) {
        return os.track((kind.equals("unix") ? SocketServer.unix(dir.resolve("death.sock")) : SocketServer.tcp("127.0.0.1", 0))
                .framing(Framing.lengthPrefixed(1024)).bindNow(WAIT));
    }

    private ChildProcess python(String kind, StreamServer<?> server, String mode) {
        String address = kind.equals("unix") ? server.path().toString() : "127.0.0.1:" + server.port();
        return os.track(ChildProcess.command("python3", script.toString(), kind, address, mode).start().block(WAIT));
    }

    private static void kill(ChildProcess peer) {
        peer.signal(UnixSignal.SIGKILL).block(WAIT);
        assertThat(peer.exit().block(WAIT)).as("the peer's exit status").isEqualTo(KILLED);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"tcp", "unix"})
    @DisplayName("while it floods the connection: the receive ends within 10 s, and a new client is served")
    void killedWhileFlooding(String kind) throws Exception {
        StreamServer<byte[]> server = server(kind);
        ChildProcess python = python(kind, server, "flood");
        ChildLines out = os.track(new ChildLines(python));
        assertThat(out.next(WAIT)).as("python's first line; stderr: %s", python.capturedStderr()).isEqualTo("connected");
        StreamConnection<byte[]> connection = os.track(server.connections().blockFirst(WAIT));

        AtomicLong received = new AtomicLong();
        CompletableFuture<Optional<Throwable>> ended = new CompletableFuture<>();
        os.track(connection.receive().subscribe(f -> received.incrementAndGet(),
                e -> ended.complete(Optional.of(e)), () -> ended.complete(Optional.empty())));
        Eventually.holds(WAIT, () -> received.get() + " frames received", () -> received.get() >= 10_000);
        kill(python);
        long killedAt = System.nanoTime();

        Optional<Throwable> outcome;
        try {
            outcome = ended.get(END_BOUND.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("the receive was still open " + END_BOUND + " after the peer died ("
                    + received.get() + " frames received)");
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
        // a frame cut short by the death, or a reset, is an error; a death between frames a completion
        outcome.ifPresent(e -> assertThat(e).isInstanceOfAny(TruncatedFrameException.class, IOException.class));
        System.out.printf("%s peer death: receive ended with %s %d ms after SIGKILL, %,d frames received%n",
                kind, outcome.map(Throwable::toString).orElse("completion"), millis, received.get());

        // the server is unharmed: the next client is accepted and served
        StreamClientSpec<byte[]> next = kind.equals("unix") ? SocketClient.unix(server.path())
                : SocketClient.tcp("127.0.0.1", server.port());
        StreamConnection<byte[]> client = os.track(next.framing(Framing.lengthPrefixed(1024)).connectNow(WAIT));
        client.send(Mono.just("after".getBytes(StandardCharsets.US_ASCII))).block(WAIT);
        StreamConnection<byte[]> second = os.track(server.connections().blockFirst(WAIT));
        StepVerifier.create(second.receive().take(1).map(f -> new String(f, StandardCharsets.US_ASCII)))
                .expectNext("after")
                .verifyComplete();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"tcp", "unix"})
    @DisplayName("in the middle of a frame: the whole frames arrive, then the receive fails with TruncatedFrameException")
    void killedInsideAFrame(String kind) throws Exception {
        StreamServer<byte[]> server = server(kind);
        ChildProcess python = python(kind, server, "partial");
        ChildLines out = os.track(new ChildLines(python));
        assertThat(out.next(WAIT)).as("python's first line; stderr: %s", python.capturedStderr()).isEqualTo("connected");
        StreamConnection<byte[]> connection = os.track(server.connections().blockFirst(WAIT));

        StepVerifier.create(connection.receive().map(f -> new String(f, StandardCharsets.US_ASCII)))
                .expectNext("one", "two", "three")
                .then(() -> {
                    try {
                        assertThat(out.next(WAIT)).isEqualTo("partial");
                    } catch (InterruptedException e) {
                        throw new AssertionError(e);
                    }
                    kill(python);
                })
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOfSatisfying(TruncatedFrameException.class, t -> {
                    assertThat(t.bytesLeft()).as("bytes of the cut frame, its header included").isEqualTo(14);
                    assertThat(t.frameSize()).isEqualTo(1004);
                }))
                .verify(END_BOUND);
    }
}
