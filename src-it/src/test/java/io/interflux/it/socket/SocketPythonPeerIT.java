package io.interflux.it.socket;

import io.interflux.FrameTooLargeException;
import io.interflux.Framing;
import io.interflux.it.support.CProgram;
import io.interflux.it.support.ChildLines;
import io.interflux.it.support.Eventually;
import io.interflux.it.support.OsResources;
import io.interflux.pipe.ChildProcess;
import io.interflux.pipe.Stdio;
import io.interflux.socket.SocketServer;
import io.interflux.socket.StreamServer;
import io.interflux.socket.StreamServerSpec;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A Python 3 client, written with the standard library's {@code socket} module and nothing else,
 * speaking {@link Framing#lengthPrefixed(int)} to an Interflux server over TCP and a Unix socket:
 * the wire format (a 4-byte big-endian length, then the payload) is all another language needs.
 */
@Timeout(60)
@DisplayName("A Python 3 socket client speaking length-prefixed frames")
class SocketPythonPeerIT {

    static final Duration WAIT = Duration.ofSeconds(20);
    static final int MAX_FRAME = 1 << 20;
    static final int FRAMES = 1_000;
    static final int SMALL_LIMIT = 1024;

    /**
     * {@code KIND ADDRESS echo COUNT}: sends COUNT frames of 0 to ~68 KiB from a second thread while
     * checking that each comes back reversed, then closes and prints {@code ok COUNT}.
     * {@code KIND ADDRESS oversize LIMIT}: sends two small frames and a header announcing LIMIT + 1
     * bytes, then reads until the server closes and prints how it closed.
     */
    static final String PEER = String.join("\n",
            "import socket, struct, sys, threading",
            "kind, address, mode, arg = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])",
            "if kind == 'tcp':",
            "    host, port = address.rsplit(':', 1)",
            "    s = socket.create_connection((host, int(port)))",
            "else:",
            "    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)",
            "    s.connect(address)",
            "base = bytes(range(256)) * 300",
            "def payload(i):  # byte k is (i + k) mod 256",
            "    return base[i % 256:i % 256 + (i * 7919) % 70000]",
            "def read_exact(n):",
            "    parts = []",
            "    while n:",
            "        b = s.recv(min(n, 1 << 16))",
            "        if not b:",
            "            return None",
            "        parts.append(b)",
            "        n -= len(b)",
            "    return b''.join(parts)",
            "if mode == 'echo':",
            "    def send():",
            "        for i in range(arg):",
            "            p = payload(i)",
            "            s.sendall(struct.pack('>I', len(p)) + p)",
            "    sender = threading.Thread(target=send)",
            "    sender.start()",
            "    for i in range(arg):",
            "        header = read_exact(4)",
            "        if header is None:",
            "            sys.exit('the connection ended after %d of %d frames' % (i, arg))",
            "        (n,) = struct.unpack('>I', header)",
            "        if (read_exact(n) if n else b'') != payload(i)[::-1]:",
            "            sys.exit('frame %d (%d bytes) did not come back reversed' % (i, n))",
            "    sender.join()",
            "    s.close()",
            "    print('ok %d' % arg)",
            "else:",
            "    for p in (b'one', b'two'):",
            "        s.sendall(struct.pack('>I', len(p)) + p)",
            "    s.sendall(struct.pack('>I', arg + 1) + b'x' * 64)",
            "    try:",
            "        while s.recv(65536):",
            "            pass",
            "        print('closed: end of stream')",
            "    except ConnectionResetError:",
            "        print('closed: reset')",
            "");

    @RegisterExtension
    final OsResources os = new OsResources();

    @TempDir
    Path dir;

    Path script;

    @BeforeEach
    void writePeer() throws IOException {
        assumeTrue(CProgram.onPath("python3"), "python3 is not installed");
        script = Files.writeString(dir.resolve("frames_peer.py"), PEER);
    }

    static byte[] reversed(byte[] p) {
        byte[] r = new byte[p.length];
        for (int k = 0; k < p.length; k++) {
            r[k] = p[p.length - 1 - k];
        }
        return r;
    }

    private StreamServerSpec<byte[]> spec(String kind) {
        return kind.equals("unix") ? SocketServer.unix(dir.resolve("frames.sock")) : SocketServer.tcp("127.0.0.1", 0);
    }

    private static String address(String kind, StreamServer<?> server) {
        return kind.equals("unix") ? server.path().toString() : "127.0.0.1:" + server.port();
    }

    private ChildProcess python(String... args) {
        List<String> command = new ArrayList<>(List.of("python3", script.toString()));
        command.addAll(List.of(args));
        return os.track(ChildProcess.command(command).stdin(Stdio.discard()).start().block(WAIT));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"tcp", "unix"})
    @DisplayName("gets 1,000 frames of 0 to 68 KiB back reversed, in order, through a server that echoes them")
    void echoesFrames(String kind) throws Exception {
        AtomicInteger served = new AtomicInteger();
        StreamServer<byte[]> server = os.track(spec(kind).framing(Framing.lengthPrefixed(MAX_FRAME))
                .handle(c -> c.send(c.receive().doOnNext(f -> served.incrementAndGet()).map(SocketPythonPeerIT::reversed)))
                .bindNow(WAIT));
        ChildProcess python = python(kind, address(kind, server), "echo", Integer.toString(FRAMES));
        ChildLines out = os.track(new ChildLines(python));

        assertThat(out.next(WAIT)).as("python's report; stderr: %s", python.capturedStderr()).isEqualTo("ok " + FRAMES);
        assertThat(python.exit().block(WAIT)).as("python's exit status; stderr: %s", python.capturedStderr()).isZero();
        assertThat(served).as("frames the server decoded").hasValue(FRAMES);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"tcp", "unix"})
    @DisplayName("a header over the limit fails the server's receive naming limit and size, after the frames before it, and closes the connection")
    void oversizeHeader(String kind) throws Exception {
        List<String> frames = new CopyOnWriteArrayList<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        StreamServer<byte[]> server = os.track(spec(kind).framing(Framing.lengthPrefixed(SMALL_LIMIT))
                .handle(c -> c.receive().doOnNext(f -> frames.add(new String(f, StandardCharsets.US_ASCII)))
                        .doOnError(failure::set).then())
                .bindNow(WAIT));
        ChildProcess python = python(kind, address(kind, server), "oversize", Integer.toString(SMALL_LIMIT));
        ChildLines out = os.track(new ChildLines(python));

        assertThat(out.next(WAIT)).as("how python saw the connection end; stderr: %s", python.capturedStderr())
                .startsWith("closed: ");
        assertThat(python.exit().block(WAIT)).isZero();
        // the server closes the connection as it fails the receive, a moment before the error reaches the handler
        Eventually.holds(WAIT, () -> "the handler saw no error", () -> failure.get() != null);
        assertThat(frames).as("frames delivered before the oversize header").containsExactly("one", "two");
        assertThat(failure.get()).isInstanceOfSatisfying(FrameTooLargeException.class, e -> {
            assertThat(e.limit()).isEqualTo(SMALL_LIMIT);
            assertThat(e.size()).isEqualTo(SMALL_LIMIT + 1);
            assertThat(e.getMessage()).contains("limit=" + SMALL_LIMIT).contains("size=" + (SMALL_LIMIT + 1));
        });
    }
}
